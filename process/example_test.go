//go:build unix

package process_test

import (
	"fmt"

	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/process"
)

func Example() {
	reg := metrics.NewRegistry()
	if err := process.Register(reg); err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range reg.Peek().Series {
		switch s.Name {
		case "process.cpu.seconds", "process.fds.max":
			fmt.Println(s.Name, s.Value > 0)
		}
	}
	// Output:
	// process.cpu.seconds true
	// process.fds.max true
}
