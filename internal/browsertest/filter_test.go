package browsertest

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestFilter types filters into the filter box and checks that exactly
// the sections of the series they match are shown: by name, by tag
// (key=value), by several terms, in any case, and none.
func TestFilter(t *testing.T) {
	svc := startService(t, 100*time.Millisecond, 0, "")
	simulate(t, svc.reg)
	svc.waitSnapshots(t, 5, 20*time.Second)
	p := newPage(t, nil)
	p.open(svc.url)

	for _, c := range []struct {
		filter string
		min    int // the series of simulate it matches at least
	}{
		{"queue", 5},
		{"status=500", 1},
		{"HTTP.Requests route=/checkout", 2},
		{"stage=", 2},
		{"no-such-series", 0},
		{"", 11},
	} {
		p.setFilter(c.filter)
		st, v := consistent(t, svc, p)
		var want, got []string
		for _, s := range st.Series {
			if s.matches(c.filter) {
				want = append(want, s.ID)
			}
		}
		for _, s := range v.Sections {
			if s.Shown {
				got = append(got, s.ID)
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("filter %q shows %q, want %q", c.filter, got, want)
		}
		if len(want) < c.min {
			t.Errorf("filter %q matches %d series, want at least %d", c.filter, len(want), c.min)
		}
		shown := eval[string](p, "document.getElementById('shown').textContent")
		t.Logf("filter %q: %d sections shown (%s)", c.filter, len(got), shown)
	}

	// The filter holds while snapshots arrive, and is in the address.
	p.setFilter("status=500")
	seq := p.view().Seq
	p.waitFor("vitals.state.seq > "+strconv.FormatUint(seq+2, 10), 5*time.Second, "no update arrived")
	v := p.view()
	for _, s := range v.Sections {
		if s.Shown != (s.ID == "http.requests{route=/checkout,status=500}") {
			t.Errorf("after updates, %s shown=%v", s.ID, s.Shown)
		}
	}
	if hash := eval[string](p, "location.hash"); hash != "#filter=status%3D500" {
		t.Errorf("location.hash %q, want the filter", hash)
	}
}

// TestBadFilterInAddress opens the page with a filter in its address that
// is not valid percent-encoding: the page ignores it and loads.
func TestBadFilterInAddress(t *testing.T) {
	svc := startService(t, 100*time.Millisecond, 0, "")
	svc.reg.Gauge("some.value", nil).Update(1)
	svc.waitSnapshots(t, 2, 20*time.Second)
	p := newPage(t, nil)
	p.open(svc.url + "#filter=%")
	if f := eval[string](p, "document.getElementById('filter').value"); f != "" {
		t.Errorf("the filter box holds %q, want it empty", f)
	}
	if v := p.view(); len(v.Sections) == 0 || !v.Sections[0].Shown {
		t.Errorf("sections %+v, want them shown", v.Sections)
	}
}
