//go:build race

package browsertest

func init() { raceDetector = true }
