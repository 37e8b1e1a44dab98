package vitals_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vitals-go/vitals"
	"github.com/vitals-go/vitals/internal/testenv"
	"github.com/vitals-go/vitals/internal/testkit"
	"github.com/vitals-go/vitals/metrics"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestStartConsoleHealthAndPprof(t *testing.T) {
	reg := metrics.NewRegistry()
	var out testkit.Buffer
	inst, err := vitals.Start(context.Background(), vitals.Config{
		Service: "alerts", Release: "v42", Registry: reg, Console: &out,
		HealthAddr: "127.0.0.1:0", PprofAddr: "127.0.0.1:0", FlushInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	reg.Counter("jobs.done", metrics.Tags{"queue": "base"}).Inc(3)

	conn, err := net.Dial("tcp", inst.HealthAddr())
	if err != nil {
		t.Fatal(err)
	}
	report, err := io.ReadAll(conn)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	text := string(report)
	for _, want := range []string{"alerts: v42", "GOOD", "Export console", "Refused series", "pprof", inst.PprofAddr()} {
		if !strings.Contains(text, want) {
			t.Errorf("health report lacks %q:\n%s", want, text)
		}
	}

	resp, err := http.Get("http://" + inst.PprofAddr() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz: %s", resp.Status)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := inst.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// The text format: the default tags once in the header, then the series.
	printed := out.String()
	header, _, _ := strings.Cut(printed, "\n")
	if !strings.Contains(header, "service=alerts") || !strings.Contains(header, "version=v42") ||
		!regexp.MustCompile(`(?m)^jobs\.done +queue=base +3$`).MatchString(printed) {
		t.Fatalf("final flush to the console:\n%s", printed)
	}
}

func TestStartReadsTheEnvironment(t *testing.T) {
	t.Setenv("VITALS_SERVICE", "from-env")
	t.Setenv("VITALS_RELEASE", "r7")
	t.Setenv("VITALS_HEALTH_ADDR", "off")
	t.Setenv("VITALS_PPROF_ADDR", "off")
	t.Setenv("VITALS_FLUSH_INTERVAL", "1h")
	reg := metrics.NewRegistry()
	inst, err := vitals.Start(context.Background(), vitals.Config{Registry: reg, Console: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Shutdown(context.Background())
	if inst.HealthAddr() != "" || inst.PprofAddr() != "" {
		t.Fatalf("off listeners are running: %q %q", inst.HealthAddr(), inst.PprofAddr())
	}
	tags := map[string]string{}
	for _, tag := range reg.Peek().DefaultTags {
		tags[tag.Key] = tag.Value
	}
	if tags["service"] != "from-env" || tags["version"] != "r7" || tags["host"] == "" {
		t.Fatalf("default tags %v", tags)
	}
}

func TestStartRefusesBadConfiguration(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  vitals.Config
		env  map[string]string
		want string
	}{
		"no service":       {vitals.Config{}, nil, "Service is required"},
		"bad interval":     {vitals.Config{Service: "s"}, map[string]string{"VITALS_FLUSH_INTERVAL": "soon"}, "VITALS_FLUSH_INTERVAL"},
		"bad remote flag":  {vitals.Config{Service: "s"}, map[string]string{"VITALS_PPROF_ALLOW_REMOTE": "maybe"}, "VITALS_PPROF_ALLOW_REMOTE"},
		"bad opentsdb url": {vitals.Config{Service: "s", OpenTSDBURL: "ftp://x:1"}, nil, "Config.OpenTSDBURL: opentsdb:"},
		"bad postgres url": {vitals.Config{Service: "s", PostgresURL: "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, nil, "Config.PostgresURL: postgres:"},
		"remote pprof":     {vitals.Config{Service: "s", PprofAddr: "0.0.0.0:0", HealthAddr: "off"}, nil, "pprof"},
		"remote health":    {vitals.Config{Service: "s", HealthAddr: "0.0.0.0:0", PprofAddr: "off"}, nil, "health"},
		"bad spool cap":    {vitals.Config{Service: "s"}, map[string]string{"VITALS_SPOOL_MAX_BYTES": "1G"}, "VITALS_SPOOL_MAX_BYTES"},
		"tiny spool cap":   {vitals.Config{Service: "s", SpoolMaxBytes: 4096}, nil, "Config.SpoolMaxBytes is 4096; it must be at least"},
	} {
		t.Run(name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			tc.cfg.Registry = metrics.NewRegistry()
			tc.cfg.Console = io.Discard
			inst, err := vitals.Start(context.Background(), tc.cfg)
			if err == nil {
				inst.Shutdown(context.Background())
				t.Fatal("Start accepted it")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}
