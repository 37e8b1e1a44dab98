package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vitals-go/vitals/exporters"
	"github.com/vitals-go/vitals/exporters/opentsdb"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

// TestShutdownDeliversLastInterval updates metrics after the last tick and
// checks that Shutdown's final snapshot carries them to the backend, over
// HTTP and over telnet.
func TestShutdownDeliversLastInterval(t *testing.T) {
	vm := testenv.VictoriaMetrics(t)
	for protocol, url := range map[string]string{"http": vm.OpenTSDBHTTPURL, "telnet": "tcp://" + vm.OpenTSDBTelnetAddr} {
		t.Run(protocol, func(t *testing.T) {
			prefix := fmt.Sprintf("e2e.last.%s.%d", protocol, time.Now().UnixNano())
			exp, err := opentsdb.New(opentsdb.Config{URL: url, Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			reg := metrics.NewRegistry()
			if err := reg.SetDefaultTags(metrics.Tags{"host": "e2e"}); err != nil {
				t.Fatal(err)
			}
			rep, err := exporters.Start(reg, exporters.Config{
				Exporters: map[string]exporters.Exporter{"tsdb": exp},
				Interval:  time.Hour, // no tick before Shutdown
			})
			if err != nil {
				t.Fatal(err)
			}
			reg.Counter("jobs", nil).Inc(42)
			reg.Timer("latency", nil).Update(250 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := rep.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			want := map[string]float64{prefix + ".jobs.count": 42, prefix + ".latency.max": 250, prefix + ".latency.count": 1}
			testkit.Poll(t, 20*time.Second, "the final snapshot in VictoriaMetrics", func() bool {
				if vm.ForceFlush(context.Background()) != nil {
					return false
				}
				series, err := vm.Export(context.Background(), fmt.Sprintf(`{__name__=~"%s.*"}`, prefix))
				if err != nil {
					return false
				}
				found := 0
				for _, s := range series {
					if v, ok := want[s.Name]; ok && len(s.Values) == 1 && s.Values[0] == v {
						found++
					}
				}
				return found == len(want)
			})
		})
	}
}
