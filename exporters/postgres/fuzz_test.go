package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/internal/pgschema"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// FuzzTagRoundTrip writes series with hostile tags (quotes, backslashes,
// JSON and SQL syntax, Unicode, control characters, NUL, invalid UTF-8)
// through the exporter to the test server and reads them back.
//
// What PostgreSQL can store as text (valid UTF-8 without NUL) reads back
// through pgreader.Reader.Series as exactly the same tags, under SeriesID of the
// name and merged tags, is found again by a tag filter of those tags, and
// has its point. A series whose text it cannot store is rejected alone, as
// Export documents: Export returns a RejectedError for it wrapping
// errInvalidText, nothing of it is stored, and the other series of the
// snapshot are written.
//
// One server, schema, exporter and reader serve every input; each input
// writes series of its own names.
func FuzzTagRoundTrip(f *testing.F) {
	for _, seed := range [][5]string{
		{"stage", "plan", "queue", "q1", "web01"},
		{"k", `it's "quoted"`, "back\\slash", `\\\"\u0000\n`, `'); DROP TABLE vitals_series; --`},
		{"k", "x\nput evil 1 1 a=b", "tab", "a\tb\r\nc\x1b[2J\x7f", "web 01"},
		{"größe", "日本語 😀", "ключ", "значение\u2028\u2029\u202e", "\uFFFD"},
		{"k", "nul\x00inside", "k2", "v", "web01"},
		{"nul\x00key", "v", "k2", "v", "web01"},
		{"k", "v", "k2", "v", "host\x00"},
		{"k", "bad\xff\xfeutf8", "\xe2\x82", "v", "web01"},
		{"", "", "k2", "", ""},
		{"host", "own wins", "k", "{\"a\":1}", "default"},
		{"same", "first", "same", "second", "h"},
		{`{"k":`, `"}`, "[1,2]", "null", "true"},
		{strings.Repeat("k", 300), strings.Repeat("ü", 300), "k2", strings.Repeat("\\", 100), "h"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4])
	}

	e, pool := xpNew(f, Config{})
	r, err := pgreader.New(xpCtx(f), pgreader.Config{URL: testenv.Postgres(f).URL, Schema: e.cfg.Schema})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(r.Close)
	var seq atomic.Int64

	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, host string) {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		defer cancel()
		name := fmt.Sprintf("fuzz.tags.%d", seq.Add(1))
		own := []metrics.Tag{{Key: k1, Value: v1}, {Key: k2, Value: v2}}
		switch { // sorted by key and unique, as in every Snapshot
		case k1 == k2:
			own = own[1:]
		case k2 < k1:
			own[0], own[1] = own[1], own[0]
		}
		defaults := []metrics.Tag{{Key: "host", Value: host}}
		other := []metrics.Tag{{Key: "k", Value: "plain"}}
		snap := metrics.Snapshot{Time: time.Now(), DefaultTags: defaults, Series: []metrics.Series{
			{Name: name, Kind: metrics.KindCounter, Count: 1, Tags: own},
			{Name: name + ".other", Kind: metrics.KindCounter, Count: 2, Tags: other},
		}}
		hostile, plain := mergedTags(defaults, own), mergedTags(defaults, other)
		wantRejected := 0
		for _, tags := range []map[string]string{hostile, plain} {
			if !pgText(tags) {
				wantRejected++
			}
		}

		err := e.Export(ctx, snap)
		if wantRejected == 0 {
			if err != nil {
				t.Fatalf("tags %q: Export: %v", hostile, err)
			}
		} else {
			var rej *exporters.RejectedError
			if !errors.As(err, &rej) || rej.Points != wantRejected || !errors.Is(err, errInvalidText) {
				t.Fatalf("tags %q, host %q: Export = %v, want %d series rejected as invalid text", hostile, host, err, wantRejected)
			}
		}
		checkRoundTrip(ctx, t, r, pool, e.n, snap.Series[0], snap, hostile)
		checkRoundTrip(ctx, t, r, pool, e.n, snap.Series[1], snap, plain)
	})
}

// mergedTags returns a series' tags as stored: the defaults, overridden by
// the series' own tags of the same key.
func mergedTags(defaults, own []metrics.Tag) map[string]string {
	m := map[string]string{}
	for _, tags := range [][]metrics.Tag{defaults, own} {
		for _, t := range tags {
			m[t.Key] = t.Value
		}
	}
	return m
}

// pgText reports whether PostgreSQL can hold every key and value as text
// (and in jsonb): valid UTF-8 without NUL.
func pgText(tags map[string]string) bool {
	for k, v := range tags {
		for _, s := range []string{k, v} {
			if !utf8.ValidString(s) || strings.Contains(s, "\x00") {
				return false
			}
		}
	}
	return true
}

// checkRoundTrip reads series s of snap back with r and plain SQL: a series
// whose merged tags, want, PostgreSQL can hold must be stored once with
// exactly those tags and its point; any other must not be stored at all.
func checkRoundTrip(ctx context.Context, t *testing.T, r *pgreader.Reader, pool *pgxpool.Pool, n pgschema.Names,
	s metrics.Series, snap metrics.Snapshot, want map[string]string) {
	t.Helper()
	infos, err := r.Series(ctx, s.Name, nil)
	if err != nil {
		t.Fatalf("Series(%q): %v", s.Name, err)
	}
	if !pgText(want) {
		if len(infos) != 0 {
			t.Fatalf("tags %q were rejected, but %d series are stored: %+v", want, len(infos), infos)
		}
		return
	}
	if len(infos) != 1 {
		t.Fatalf("tags %q: %d series stored, want 1: %+v", want, len(infos), infos)
	}
	got := infos[0]
	if !maps.Equal(got.Tags, want) {
		t.Fatalf("tags read back as %q, want %q", got.Tags, want)
	}
	if id := SeriesID(s.Name, snap.AppendTags(nil, &s)); got.ID != id || got.Kind != metrics.KindCounter {
		t.Fatalf("stored as %s id %d, want counter id %d", got.Kind, got.ID, id)
	}

	// The same tags, sent by pgx as a jsonb filter, find the series.
	found, err := r.Series(ctx, "", want)
	if err != nil {
		t.Fatalf("Series with filter %q: %v", want, err)
	}
	if !containsID(found, got.ID) {
		t.Fatalf("filter %q does not find series %d among %d", want, got.ID, len(found))
	}

	var total int64
	var ts time.Time
	err = pool.QueryRow(ctx, "SELECT total, ts FROM "+n.Points+" WHERE series_id = $1", got.ID).Scan(&total, &ts)
	if err != nil || total != s.Count || !ts.Equal(snap.Time.Truncate(time.Microsecond)) {
		t.Fatalf("point of %q: total %d at %v (%v), want %d at %v", s.Name, total, ts, err, s.Count, snap.Time)
	}
}

// containsID reports whether infos has the series id.
func containsID(infos []pgreader.SeriesInfo, id int64) bool {
	for _, s := range infos {
		if s.ID == id {
			return true
		}
	}
	return false
}
