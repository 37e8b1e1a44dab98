package postgres

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vitals-go/vitals/metrics"
)

// fleetPoint is one row that the simulated fleet exported, with what
// vitals' Go code knows of it.
type fleetPoint struct {
	id   int64
	name string
	tags map[string]string
	ts   time.Time
	inc  int64                // how much the series' total grew in the interval: what the process counted
	dist metrics.Distribution // histograms and timers: the interval's values
}

// fleetIntervals is how many 10 s intervals the fleet exports: 65
// minutes, so that the recipes' last hour starts within the data.
const fleetIntervals = 390

// simulateFleet exports, through real Exporters into schema, 65 minutes of
// three hosts (web1 and web2 running version v1, web3 v2) ending now:
// every 10 s, a timer http.server per handler (/checkout, /search) with
// random latencies, a counter http.requests, and twelve counters
// jobs.done growing at distinct rates. web2 restarts half-way: its totals
// start again from 0. It returns every point exported.
func simulateFleet(t *testing.T, ctx context.Context, url, schema string) []fleetPoint {
	t.Helper()
	hosts := []struct{ host, version string }{{"web1", "v1"}, {"web2", "v1"}, {"web3", "v2"}}
	r := rand.New(rand.NewPCG(14, 5))
	end := time.Now().UTC().Truncate(10 * time.Second)
	var points []fleetPoint
	for h, host := range hosts {
		var (
			e      *Exporter
			reg    *metrics.Registry
			reader *metrics.IntervalReader
		)
		stopProcess := func() {
			reader.Close()
			if err := e.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
		}
		startProcess := func() {
			var err error
			if e, err = New(ctx, Config{URL: url, Schema: schema}); err != nil {
				t.Fatal(err)
			}
			reg = metrics.NewRegistry()
			if err := reg.SetDefaultTags(metrics.Tags{"host": host.host, "service": "shop", "version": host.version}); err != nil {
				t.Fatal(err)
			}
			if reader, err = reg.NewIntervalReader(); err != nil {
				t.Fatal(err)
			}
		}
		startProcess()
		slower := 1 + 0.3*float64(h/2)
		for k := range fleetIntervals {
			if host.host == "web2" && k == fleetIntervals/2 {
				stopProcess()
				startProcess()
			}
			incs := map[string]int64{}
			for _, handler := range []string{"/checkout", "/search"} {
				tm := reg.Timer("http.server", metrics.Tags{"handler": handler})
				n := r.IntN(40)
				for range n {
					tm.Update(time.Duration(slower * math.Exp(math.Log(20e6)+0.8*r.NormFloat64())))
				}
				incs["http.server"+handler] = int64(n)
			}
			requests := int64(5 + r.IntN(50))
			reg.Counter("http.requests", metrics.Tags{"handler": "/checkout"}).Inc(requests)
			incs["http.requests/checkout"] = requests
			for q := range 12 {
				queue := fmt.Sprintf("q%02d", q)
				inc := int64((q + 1) * (h + 1) * 3)
				reg.Counter("jobs.done", metrics.Tags{"queue": queue}).Inc(inc)
				incs["jobs.done"+queue] = inc
			}
			snap := reader.EndInterval()
			snap.Time = end.Add(-time.Duration(fleetIntervals-1-k) * 10 * time.Second)
			if err := e.Export(ctx, snap); err != nil {
				t.Fatal(err)
			}
			for _, s := range snap.Series {
				merged := snap.AppendTags(nil, &s)
				tags := map[string]string{}
				for _, tag := range merged {
					tags[tag.Key] = tag.Value
				}
				p := fleetPoint{id: SeriesID(s.Name, merged), name: s.Name, tags: tags, ts: snap.Time,
					inc: incs[s.Name+tags["handler"]+tags["queue"]]}
				if s.Kind == metrics.KindTimer {
					sum := s.Summary
					p.dist = metrics.Distribution{Count: sum.Count, Sum: sum.Sum, Min: sum.Min, Max: sum.Max, Buckets: sum.Buckets}
				}
				points = append(points, p)
			}
		}
		stopProcess()
	}
	return points
}

// recipe is an SQL block of a Markdown file, under its heading.
type recipe struct{ heading, sql string }

// sqlRecipes returns the recipes of SQL.md.
func sqlRecipes(t *testing.T) []recipe {
	t.Helper()
	return markdownSQL(t, "SQL.md")
}

// markdownSQL returns every ```sql block of the Markdown file at path,
// with the ### heading above it.
func markdownSQL(t *testing.T, path string) []recipe {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var recipes []recipe
	heading := ""
	for _, m := range regexp.MustCompile("(?ms)^### (.*?)$|^```sql\n(.*?)^```").FindAllStringSubmatch(string(doc), -1) {
		if m[1] != "" {
			heading = m[1]
			continue
		}
		recipes = append(recipes, recipe{heading, m[2]})
	}
	return recipes
}

// inLastHour returns the points of the recipes' last hour before now that
// keep, in time order.
func inLastHour(points []fleetPoint, now time.Time, keep func(*fleetPoint) bool) []fleetPoint {
	var in []fleetPoint
	for _, p := range points {
		if p.ts.After(now.Add(-time.Hour)) && keep(&p) {
			in = append(in, p)
		}
	}
	slices.SortStableFunc(in, func(a, b fleetPoint) int { return a.ts.Compare(b.ts) })
	return in
}

// checkoutLatency keeps the points of the timer of handler /checkout.
func checkoutLatency(p *fleetPoint) bool {
	return p.name == "http.server" && p.tags["handler"] == "/checkout"
}

// increases returns, by series, the growth of each point of in but the
// first of its series, which has no previous row to grow from: what
// vitals_increase computes from the stored totals, known here from what
// the processes counted.
func increases(in []fleetPoint) map[int64][]fleetPoint {
	bySeries := map[int64][]fleetPoint{}
	for _, p := range in {
		bySeries[p.id] = append(bySeries[p.id], p)
	}
	for id, ps := range bySeries {
		bySeries[id] = ps[1:]
	}
	return bySeries
}

// near reports whether a and b agree to within float rounding.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }

// recipeChecks compare the rows of each recipe, by heading, with Go's
// answer from the fleet's points of the hour before now.
var recipeChecks = map[string]func(t *testing.T, rows pgx.Rows, points []fleetPoint, now time.Time){
	"p99 of a handler per minute, last hour": func(t *testing.T, rows pgx.Rows, points []fleetPoint, now time.Time) {
		merged := map[time.Time]*metrics.Merger{}
		for _, p := range inLastHour(points, now, checkoutLatency) {
			m := p.ts.Truncate(time.Minute)
			if merged[m] == nil {
				merged[m] = &metrics.Merger{}
			}
			merged[m].Add(p.dist)
		}
		minutes := slices.SortedFunc(func(yield func(time.Time) bool) {
			for m := range merged {
				if !yield(m) {
					return
				}
			}
		}, time.Time.Compare)
		i := 0
		for rows.Next() {
			var minute time.Time
			var p99 *float64
			if err := rows.Scan(&minute, &p99); err != nil {
				t.Fatal(err)
			}
			minute = minute.UTC()
			if i >= len(minutes) || !minute.Equal(minutes[i]) {
				t.Fatalf("row %d: minute %v; want the minutes %v", i, minute, minutes)
			}
			d := merged[minute].Distribution()
			want := d.Quantile(0.99) / 1e6
			if d.Count == 0 && p99 != nil || d.Count != 0 && (p99 == nil || *p99 != want) {
				t.Errorf("%v: p99 %v ms, want %v ms from %d values", minute, p99, want, d.Count)
			}
			i++
		}
		if i != len(minutes) || i < 60 {
			t.Errorf("%d minutes, want %d (at least 60)", i, len(minutes))
		}
	},
	"Requests per minute from a counter": func(t *testing.T, rows pgx.Rows, points []fleetPoint, now time.Time) {
		want := map[time.Time]*int64{}
		for _, p := range inLastHour(points, now, func(p *fleetPoint) bool { return p.name == "http.requests" }) {
			want[p.ts.Truncate(time.Minute)] = nil // a minute of first rows only counts nothing: NULL
		}
		for _, ps := range increases(inLastHour(points, now, func(p *fleetPoint) bool { return p.name == "http.requests" })) {
			for _, p := range ps {
				m := p.ts.Truncate(time.Minute)
				if want[m] == nil {
					want[m] = new(int64(0))
				}
				*want[m] += p.inc
			}
		}
		seen := 0
		for rows.Next() {
			var minute time.Time
			var requests *int64
			var perSecond *float64
			if err := rows.Scan(&minute, &requests, &perSecond); err != nil {
				t.Fatal(err)
			}
			minute = minute.UTC()
			w, ok := want[minute]
			switch {
			case !ok:
				t.Errorf("%v: a minute without data", minute)
			case w == nil && (requests != nil || perSecond != nil):
				t.Errorf("%v: requests and per second not NULL", minute)
			case w != nil && (requests == nil || *requests != *w || perSecond == nil || !near(*perSecond, float64(*w)/60)):
				t.Errorf("%v: requests %v, per second %v; want %d, %v", minute, requests, perSecond, *w, float64(*w)/60)
			}
			seen++
		}
		if seen != len(want) || seen < 60 {
			t.Errorf("%d minutes, want %d (at least 60)", seen, len(want))
		}
	},
	"Top 10 series by growth over the last hour": func(t *testing.T, rows pgx.Rows, points []fleetPoint, now time.Time) {
		type growth struct {
			p      fleetPoint
			growth int64
		}
		var all []growth
		for _, ps := range increases(inLastHour(points, now, func(*fleetPoint) bool { return true })) {
			g := growth{p: ps[0]}
			for _, p := range ps {
				g.growth += p.inc
			}
			all = append(all, g)
		}
		slices.SortFunc(all, func(a, b growth) int { return cmp.Or(cmp.Compare(b.growth, a.growth), cmp.Compare(a.p.id, b.p.id)) })
		i := 0
		for rows.Next() {
			var name string
			var tags map[string]string
			var got int64
			if err := rows.Scan(&name, &tags, &got); err != nil {
				t.Fatal(err)
			}
			if want := all[i]; name != want.p.name || !maps.Equal(tags, want.p.tags) || got != want.growth {
				t.Errorf("rank %d: %s %v grew %d; want %s %v, %d", i+1, name, tags, got, want.p.name, want.p.tags, want.growth)
			}
			i++
		}
		if i != 10 {
			t.Errorf("%d series, want 10", i)
		}
	},
	"Merging hosts: one latency per release": func(t *testing.T, rows pgx.Rows, points []fleetPoint, now time.Time) {
		merged := map[string]*metrics.Merger{}
		hosts := map[string]map[string]bool{}
		for _, p := range inLastHour(points, now, checkoutLatency) {
			v := p.tags["version"]
			if merged[v] == nil {
				merged[v], hosts[v] = &metrics.Merger{}, map[string]bool{}
			}
			merged[v].Add(p.dist)
			hosts[v][p.tags["host"]] = true
		}
		i := 0
		for rows.Next() {
			var version string
			var nHosts, requests int64
			var mean, p99 float64
			if err := rows.Scan(&version, &nHosts, &requests, &mean, &p99); err != nil {
				t.Fatal(err)
			}
			d := merged[version].Distribution()
			if want := []string{"v1", "v2"}[min(i, 1)]; version != want || nHosts != int64(len(hosts[version])) ||
				requests != d.Count || !near(mean, float64(d.Sum)/float64(d.Count)/1e6) || p99 != d.Quantile(0.99)/1e6 {
				t.Errorf("%s: %d hosts, %d requests, mean %v ms, p99 %v ms; want %s: %d hosts, %d, %v, %v",
					version, nHosts, requests, mean, p99, want, len(hosts[version]), d.Count,
					float64(d.Sum)/float64(d.Count)/1e6, d.Quantile(0.99)/1e6)
			}
			i++
		}
		if i != 2 || len(hosts["v1"]) != 2 || len(hosts["v2"]) != 1 {
			t.Errorf("%d versions; hosts %v", i, hosts)
		}
	},
	"The latency histogram of the last hour": func(t *testing.T, rows pgx.Rows, points []fleetPoint, now time.Time) {
		var m metrics.Merger
		for _, p := range inLastHour(points, now, checkoutLatency) {
			m.Add(p.dist)
		}
		want := m.Distribution().Buckets
		i := 0
		for rows.Next() {
			var from, to float64
			var count int64
			if err := rows.Scan(&from, &to, &count); err != nil {
				t.Fatal(err)
			}
			lower, upper := metrics.BucketBounds(want[i].Index)
			if from != lower/1e6 || to != upper/1e6 || count != int64(want[i].Count) {
				t.Errorf("bucket %d: [%v, %v) ms: %d values; want [%v, %v): %d", i, from, to, count,
					lower/1e6, upper/1e6, want[i].Count)
			}
			i++
		}
		if i != len(want) || i < 20 {
			t.Errorf("%d buckets, want %d (at least 20)", i, len(want))
		}
	},
}

// TestSQLRecipes runs every SQL block of SQL.md against a fleet's data
// written by the exporter, and compares its rows with Go's answer: the
// recipes a person copies are the ones tested.
func TestSQLRecipes(t *testing.T) {
	t.Parallel()
	pool, srv := xpPool(t)
	ctx := xpCtx(t)
	schema := xpSchema(t)
	start := time.Now()
	points := simulateFleet(t, ctx, srv.URL, schema)
	t.Logf("%d points exported in %v", len(points), time.Since(start).Round(time.Millisecond))
	recipes := sqlRecipes(t)
	if len(recipes) != len(recipeChecks) {
		t.Errorf("SQL.md has %d SQL blocks, the test checks %d", len(recipes), len(recipeChecks))
	}
	for _, rc := range recipes {
		check := recipeChecks[rc.heading]
		if check == nil {
			t.Errorf("no check for the SQL under %q in SQL.md", rc.heading)
			continue
		}
		t.Run(rc.heading, func(t *testing.T) {
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true), set_config('TimeZone', 'UTC', true)",
					pgx.Identifier{schema}.Sanitize()); err != nil {
					return err
				}
				var now time.Time // the transaction's, which the recipe's now() returns
				if err := tx.QueryRow(ctx, "SELECT now()").Scan(&now); err != nil {
					return err
				}
				start := time.Now()
				rows, err := tx.Query(ctx, rc.sql)
				if err != nil {
					return err
				}
				defer rows.Close()
				check(t, rows, points, now)
				rows.Close()
				t.Logf("%v", time.Since(start).Round(time.Microsecond))
				return rows.Err()
			})
			if err != nil {
				t.Fatalf("%v\n%s", err, rc.sql)
			}
		})
	}
}

// TestDocRecipeIsTested: the recipe in the package documentation is the
// first of SQL.md, which TestSQLRecipes runs.
func TestDocRecipeIsTested(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	section := string(doc)[strings.Index(string(doc), "// # SQL\n"):]
	var sql strings.Builder
	for _, line := range strings.Split(section, "\n") {
		if code, ok := strings.CutPrefix(line, "//\t"); ok {
			sql.WriteString(code + "\n")
		} else if sql.Len() > 0 {
			break
		}
	}
	if recipes := sqlRecipes(t); sql.String() != recipes[0].sql {
		t.Errorf("doc.go's SQL\n%s\nis not SQL.md's first recipe\n%s", sql.String(), recipes[0].sql)
	}
}

// TestReadmeRecipesAreTested: the SQL in the repository's README.md is
// copied from SQL.md, whose recipes TestSQLRecipes runs.
func TestReadmeRecipesAreTested(t *testing.T) {
	tested := map[string]bool{}
	for _, r := range sqlRecipes(t) {
		tested[r.sql] = true
	}
	for _, r := range markdownSQL(t, "../../README.md") {
		if !tested[r.sql] {
			t.Errorf("README.md's SQL under %q is not a recipe of SQL.md, which TestSQLRecipes runs:\n%s", r.heading, r.sql)
		}
	}
}
