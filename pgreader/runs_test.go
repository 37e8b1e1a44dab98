package pgreader

import (
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/compare"
)

// TestRuns reads the runs of a release from vitals_releases, the last
// export NULL for a process that recorded none, and from a schema that an
// exporter without migration 6 created, which has no last_export column;
// and Releases' LastExport.
func TestRuns(t *testing.T) {
	t.Parallel()
	e := newRDEnv(t)
	at := func(s int) time.Time { return cmpBase.Add(time.Duration(s) * time.Second) }
	for _, r := range []struct {
		host, version string
		pid           int
		start, end    time.Time
	}{
		{"b", "v1", 2, at(5), at(25)}, {"a", "v1", 1, at(0), at(20)}, {"a", "v1", 3, at(60), time.Time{}}, {"a", "v2", 4, at(99), at(100)},
	} {
		var end any
		if !r.end.IsZero() {
			end = r.end
		}
		if _, err := e.pool.Exec(e.ctx, "INSERT INTO "+e.n.Releases+" VALUES ('api', $1, $2, $3, $4, $5)",
			r.version, r.host, r.pid, r.start, end); err != nil {
			t.Fatal(err)
		}
	}
	r := e.reader(t)
	runs := func() []compare.Run {
		t.Helper()
		var out []compare.Run
		err := pgx.BeginFunc(e.ctx, r.pool, func(tx pgx.Tx) error {
			var err error
			out, err = source{r: r, tx: tx}.Runs(e.ctx, "api", "v1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range out { // in UTC, to compare with ==
			out[i].Start, out[i].End = out[i].Start.UTC(), out[i].End.UTC()
		}
		return out
	}
	want := []compare.Run{{Host: "a", Start: at(0), End: at(20)}, {Host: "a", Start: at(60)}, {Host: "b", Start: at(5), End: at(25)}}
	if got := runs(); !slices.Equal(got, want) {
		t.Errorf("Runs = %v, want %v", got, want)
	}
	if rels, err := r.Releases(e.ctx, "api"); err != nil || len(rels) != 2 || !rels[0].LastExport.Equal(at(25)) || !rels[1].LastExport.Equal(at(100)) {
		t.Errorf("Releases = %+v, %v; want v1 last exporting at %v, v2 at %v", rels, err, at(25), at(100))
	}
	if _, err := e.pool.Exec(e.ctx, "ALTER TABLE "+e.n.Releases+" DROP COLUMN last_export"); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].End = time.Time{}
	}
	if got := runs(); !slices.Equal(got, want) {
		t.Errorf("without last_export: Runs = %v, want %v", got, want)
	}
	if rels, err := r.Releases(e.ctx, "api"); err != nil || len(rels) != 2 || !rels[0].LastExport.IsZero() {
		t.Errorf("without last_export: Releases = %+v, %v; want no LastExport", rels, err)
	}
}
