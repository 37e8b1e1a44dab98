package pgschema

import (
	"testing"

	"github.com/vitals-go/vitals/metrics"
)

func TestNewNames(t *testing.T) {
	n := NewNames(`we"ird`)
	if n.Schema != `we"ird` || n.Quoted != `"we""ird"` || n.Points != `"we""ird"."vitals_points"` ||
		n.Series != `"we""ird"."vitals_series"` || n.Releases != `"we""ird"."vitals_releases"` ||
		n.Version != `"we""ird"."vitals_schema_version"` || n.Default != `"we""ird"."vitals_points_default"` ||
		n.Named != `"we""ird"."vitals_points_named"` {
		t.Errorf("NewNames = %+v", n)
	}
}

func TestQualified(t *testing.T) {
	if got, want := NewNames(`we"ird`).Qualified(FuncQuantile), `"we""ird"."vitals_quantile"`; got != want {
		t.Errorf("Qualified = %s, want %s", got, want)
	}
}

// TestKind: every kind reads back from its stored name; nothing else does.
func TestKind(t *testing.T) {
	for _, k := range []metrics.Kind{metrics.KindCounter, metrics.KindGauge, metrics.KindGaugeFloat64,
		metrics.KindMeter, metrics.KindHistogram, metrics.KindTimer} {
		if got, ok := Kind(k.String()); !ok || got != k {
			t.Errorf("Kind(%q) = %v, %v; want %v", k.String(), got, ok, k)
		}
	}
	for _, s := range []string{"", "unknown", "Timer", "timers"} {
		if got, ok := Kind(s); ok {
			t.Errorf("Kind(%q) = %v, true; want false", s, got)
		}
	}
}
