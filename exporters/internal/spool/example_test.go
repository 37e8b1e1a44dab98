package spool_test

import (
	"fmt"
	"os"
	"time"

	"github.com/vitals-go/vitals/exporters/internal/spool"
	"github.com/vitals-go/vitals/metrics"
)

func Example() {
	dir, err := os.MkdirTemp("", "spool-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s, err := spool.Open(dir, 1<<20, nil)
	if err != nil {
		panic(err)
	}
	for seq := range uint64(3) {
		snap := metrics.Snapshot{Seq: seq + 1, Time: time.Unix(1_700_000_000, 0),
			Series: []metrics.Series{{Name: "requests", Kind: metrics.KindCounter, Count: 42}}}
		if _, err := s.Append(spool.Record{Snap: snap, Points: 1}); err != nil {
			panic(err)
		}
	}
	s.Pop() // the first was exported
	s.Close()

	// A later process picks up the rest, oldest first.
	s, err = spool.Open(dir, 1<<20, nil)
	if err != nil {
		panic(err)
	}
	defer s.Close()
	fmt.Println(s.Stats().Records)
	for {
		rec, ok, err := s.Peek()
		if err != nil || !ok {
			break
		}
		fmt.Println(rec.Snap.Seq, rec.Snap.Time.Format(time.RFC3339), rec.Snap.Series[0].Count)
		s.Pop()
	}
	// Output:
	// 2
	// 2 2023-11-14T22:13:20Z 42
	// 3 2023-11-14T22:13:20Z 42
}
