package postgres

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// The helper process of TestCompactKilled: this test binary, run with
// compactHelperEnv set to "inside" or "between", compacts the day given in
// the environment (or its first hour, if VITALS_COMPACT_HOUR is set) in
// small batches, in bulk or batch by batch, and says so
// on stdout and waits to be killed: inside the transaction that writes
// (the third batch's, or the bulk one: its rows moved, the blocks written,
// not committed), or after the third batch.
const compactHelperEnv = "VITALS_COMPACT_HELPER"

func TestCompactHelperProcess(t *testing.T) {
	mode := os.Getenv(compactHelperEnv)
	if mode == "" {
		t.Skip("the helper process of TestCompactKilled")
	}
	day, err := time.Parse(time.RFC3339, os.Getenv("VITALS_COMPACT_DAY"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(context.Background(), Config{URL: os.Getenv("VITALS_COMPACT_URL"),
		Schema: os.Getenv("VITALS_COMPACT_SCHEMA"), CompactAfter: -1})
	if err != nil {
		t.Fatal(err)
	}
	c := e.compactor()
	c.batchBytes, c.workers = 16<<10, 1
	c.bulkBytes, _ = strconv.ParseInt(os.Getenv("VITALS_COMPACT_BULK_BYTES"), 10, 64)
	moves, batches := 0, 0
	stop := func() {
		fmt.Println("stopped " + mode)
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until killed
	}
	c.afterMove = func() {
		// In bulk, the one transaction that writes; batch by batch, the third.
		if moves++; mode == "inside" && (moves == 3 || c.bulkBytes == 0) {
			stop()
		}
	}
	c.afterBatch = func() {
		if batches++; mode == "between" && batches == 3 {
			stop()
		}
	}
	w := dayWindow(day)
	if os.Getenv("VITALS_COMPACT_HOUR") != "" {
		w = hourWindow(day)
	}
	if _, err := c.compact(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	t.Fatal("compacted the whole window: it had fewer than 3 batches")
}

// TestCompactKilled kills (SIGKILL) a process compacting a day, in bulk
// and batch by batch, or an hour of a day written into the next, inside the
// transaction that writes and between two batches: throughout, and once
// another process has compacted the window again, vitals_points_all holds
// every point exactly once.
func TestCompactKilled(t *testing.T) {
	t.Parallel()
	for _, window := range []string{"day", "hour"} {
		for _, at := range []string{"inside", "between"} {
			for _, mode := range compactModes {
				if window == "hour" && mode.bulkBytes == 0 {
					continue // an hour is compacted batch by batch
				}
				t.Run(window+"/"+at+"/"+mode.name, func(t *testing.T) {
					t.Parallel()
					testCompactKilled(t, at, mode.bulkBytes, window == "hour")
				})
			}
		}
	}
}

func testCompactKilled(t *testing.T, at string, bulkBytes int64, hour bool) {
	e, pool := xpNew(t, Config{CompactAfter: -1})
	day := compactTestDay()
	reg := metrics.NewRegistry()
	first, w := day, dayWindow(day)
	if hour {
		first, w = day.Add(57*time.Minute), hourWindow(day) // 18 intervals of the hour, 42 of the next
	}
	exportIntervals(t, e, reg, soakWorkload(reg, 100), rand.New(rand.NewPCG(9, 10)), first, 60, false)
	before := allRows(t, pool, e)

	ctx := xpCtx(t)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCompactHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), compactHelperEnv+"="+at, "VITALS_COMPACT_URL="+e.cfg.URL,
		"VITALS_COMPACT_BULK_BYTES="+strconv.FormatInt(bulkBytes, 10),
		"VITALS_COMPACT_SCHEMA="+e.cfg.Schema, "VITALS_COMPACT_DAY="+day.Format(time.RFC3339))
	if hour {
		cmd.Env = append(cmd.Env, "VITALS_COMPACT_HOUR=1")
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "stopped "+at+"\n" {
		_ = cmd.Process.Kill()
		t.Fatalf("the helper process said %q, %v", line, err)
	}
	// Batch by batch, the first batches' blocks are committed; in bulk,
	// none before the end.
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Blocks); (n == 0) != (bulkBytes == 0) {
		t.Errorf("%d blocks committed when stopped", n)
	}
	sameRows(t, "while stopped", allRows(t, pool, e), before)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	sameRows(t, "once killed", allRows(t, pool, e), before)

	if _, err := e.compactor().compact(ctx, w); err != nil {
		t.Fatal(err)
	}
	sameRows(t, "compacted again", allRows(t, pool, e), before)
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points+" WHERE ts >= $1 AND ts < $2", w.from, w.to); n != 0 {
		t.Errorf("vitals_points holds %d rows of the window after compaction, want 0", n)
	}
	if n := countRows(t, pool, "SELECT count(*) FROM "+e.n.Points); hour && n == 0 {
		t.Error("the next hour's rows were compacted too")
	}
}
