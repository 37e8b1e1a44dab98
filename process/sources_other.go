//go:build !unix

package process

// sources returns nothing: this package only reads Unix process data.
func sources() []source { return nil }
