package opentsdb_test

import (
	"fmt"

	"github.com/vitals-go/vitals/exporters/opentsdb"
)

// New checks the configuration and says what is wrong with it.
func ExampleNew() {
	_, err := opentsdb.New(opentsdb.Config{URL: "tsd.example.com:4242"})
	fmt.Println(err)
	_, err = opentsdb.New(opentsdb.Config{URL: "http://tsd.example.com"})
	fmt.Println(err)
	e, err := opentsdb.New(opentsdb.Config{URL: "tcp://tsd.example.com:4242", Prefix: "myapp"})
	fmt.Println(e != nil, err)
	// Output:
	// opentsdb: invalid Config: URL "tsd.example.com:4242" has no scheme; use http://tsd.example.com:4242 (or https://) or tcp://tsd.example.com:4242 (telnet)
	// opentsdb: invalid Config: URL "http://tsd.example.com" has no port; use http://tsd.example.com:4242 (OpenTSDB's usual port)
	// true <nil>
}
