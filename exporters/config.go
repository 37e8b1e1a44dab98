package exporters

import (
	"cmp"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/vitals-go/vitals/metrics"
)

// Config configures a Reporter. Exporters is required; every other field
// has a default, selected by its zero value.
type Config struct {
	// Exporters are the backends that receive the snapshots, by name.
	// Required: at least one. The name tags the exporter's self-metrics
	// (exporter=<name>), its log lines and its Health, so it must be a valid
	// metrics tag value: printable text of at most 255 bytes. Each Exporter
	// must be a distinct value: the Reporter calls it from one goroutine.
	Exporters map[string]Exporter

	// Interval is the time between snapshots. They are taken at the
	// wall-clock multiples of it (12:00:00, 12:00:10, ... for 10 s), so the
	// points of every host line up. At least 1 ms. Defaults to 10 s.
	Interval time.Duration

	// QueueSize is how many snapshots each exporter holds while its backend
	// is slow or failing, the one being exported included. A snapshot that
	// finds the queue full pushes out the oldest, whose points are counted
	// as dropped (or which is spooled, with SpoolDir). Defaults to 30 (5
	// minutes at the default interval).
	QueueSize int

	// Timeout bounds each Export call. Defaults to Interval.
	Timeout time.Duration

	// MinBackoff and MaxBackoff bound the wait before a snapshot is offered
	// again after a transient error. After n failures in a row the wait is
	// drawn uniformly between 0 and MinBackoff·2ⁿ⁻¹, capped at MaxBackoff
	// ("full jitter"), so that a fleet of hosts does not retry in step.
	// MinBackoff defaults to 100 ms and MaxBackoff to 30 s, so that a
	// recovered backend is noticed within 30 s whatever the interval; a
	// default never contradicts the other field when that one is set.
	MinBackoff time.Duration
	MaxBackoff time.Duration

	// ShutdownTimeout bounds Shutdown when its context has no deadline, so
	// that a service whose backend is down still exits: Shutdown gives the
	// exporters this long to deliver what is queued, then counts the rest
	// as dropped (or spools it, with SpoolDir) and returns. A context with a deadline is used as it is.
	// Defaults to 5 s, which leaves most of a typical 30 s termination
	// grace period (Kubernetes, systemd) to the service itself.
	ShutdownTimeout time.Duration

	// OnSnapshot, if set, is called with every snapshot the Reporter takes
	// (Shutdown's final one included), from the ticking goroutine, before
	// the snapshot is queued for the exporters. It must return quickly and
	// must neither modify the snapshot nor keep its slices, which the
	// exporters share; a panic in it is recovered and logged. vitals.Start
	// uses it to feed the live page's history.
	OnSnapshot func(metrics.Snapshot)

	// SpoolDir, if set, keeps on disk what the memory queues cannot hold,
	// so that a long outage or a restart of the process loses nothing:
	// each exporter spools into SpoolDir/<exporter name>/ (created 0o700;
	// characters other than letters, digits, '-', '_' and '.' in the name
	// are escaped as %XX). Snapshots go there when the memory queue is full,
	// while the backend fails, and when Shutdown's deadline passes; they are
	// replayed oldest first once the backend takes exports again, by this
	// process or the next one opened on the same directory. See the package
	// documentation. Start opens the directories and checks what they hold
	// (242 MB took 0.25-0.45 s from the page cache; a cold disk is slower).
	// Defaults to "": no spool, and a full queue drops its oldest snapshot.
	//
	// One process at a time uses a directory. If another process holds it
	// (or it cannot be created), the Reporter starts all the same: that
	// exporter runs without a spool, one warning names the directory and
	// the holder's pid, and Health shows it (ExporterHealth.Spool.Error).
	// A held directory is tried again every minute; once the holder has
	// exited, the exporter opens it, logs so, and spools and replays as if
	// it had opened it at Start. A directory that cannot be created or read
	// is not retried: no spool until the process restarts.
	SpoolDir string

	// SpoolMaxBytes bounds each exporter's spool on disk. When a snapshot
	// would exceed it, the oldest spooled snapshots are removed and their
	// points counted as dropped. At least MinSpoolMaxBytes. Defaults to
	// DefaultSpoolMaxBytes (1 GiB, several hours of 10,000 series at 10 s);
	// ignored without SpoolDir.
	SpoolMaxBytes int64

	// Logger receives what goes wrong in the background: failed exports
	// (an error repeated by the same exporter is logged at most once a
	// minute, with its count), rejected points, dropped snapshots and
	// panics. Defaults to slog.Default().
	Logger *slog.Logger
}

// DefaultInterval is the time between snapshots when Config.Interval is 0.
const DefaultInterval = 10 * time.Second

// DefaultShutdownTimeout is how long Shutdown waits when its context has
// no deadline (Config.ShutdownTimeout's default).
const DefaultShutdownTimeout = 5 * time.Second

// DefaultSpoolMaxBytes is each exporter's spool size cap when
// Config.SpoolMaxBytes is 0: 1 GiB.
const DefaultSpoolMaxBytes int64 = 1 << 30

// MinSpoolMaxBytes is the smallest Config.SpoolMaxBytes: 1 MiB, a few
// snapshots of 10,000 series.
const MinSpoolMaxBytes int64 = 1 << 20

// The defaults and limits documented on Config.
const (
	defaultQueueSize  = 30
	defaultMinBackoff = 100 * time.Millisecond
	defaultMaxBackoff = 30 * time.Second
	minInterval       = time.Millisecond
)

// settings is a validated Config with its defaults applied.
type settings struct {
	exporters              map[string]Exporter
	interval, timeout      time.Duration
	shutdownTimeout        time.Duration
	minBackoff, maxBackoff time.Duration
	queueSize              int
	spoolDir               string // "" without a spool
	spoolMaxBytes          int64
	onSnapshot             func(metrics.Snapshot)
	logger                 *slog.Logger
}

// settings validates c and applies its defaults. Every problem is listed in
// the one error it returns.
func (c Config) settings(reg *metrics.Registry) (settings, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if reg == nil {
		bad("the registry is nil")
	}
	if len(c.Exporters) == 0 {
		bad("Exporters is required: give at least one")
	}
	for _, name := range slices.Sorted(maps.Keys(c.Exporters)) {
		if c.Exporters[name] == nil {
			bad("exporter %q is nil", name)
		}
		if err := metrics.ValidateTag(tagExporter, name); err != nil {
			bad("exporter name %q cannot be a tag value: %v", name, err)
		}
	}
	if c.Interval < 0 || (c.Interval > 0 && c.Interval < minInterval) {
		bad("Interval is %v; it must be at least %v (or 0 for the default, %v)", c.Interval, minInterval, DefaultInterval)
	}
	if c.QueueSize < 0 {
		bad("QueueSize is %d; it must be positive (or 0 for the default, %d)", c.QueueSize, defaultQueueSize)
	}
	if c.Timeout < 0 {
		bad("Timeout is %v; it must be positive (or 0 for the default, the interval)", c.Timeout)
	}
	if c.ShutdownTimeout < 0 {
		bad("ShutdownTimeout is %v; it must be positive (or 0 for the default, %v)", c.ShutdownTimeout, DefaultShutdownTimeout)
	}
	if c.MinBackoff < 0 {
		bad("MinBackoff is %v; it must be positive (or 0 for the default, %v)", c.MinBackoff, defaultMinBackoff)
	}
	if c.MaxBackoff < 0 {
		bad("MaxBackoff is %v; it must be positive (or 0 for the default, %v)", c.MaxBackoff, defaultMaxBackoff)
	}
	if c.MinBackoff > 0 && c.MaxBackoff > 0 && c.MinBackoff > c.MaxBackoff {
		bad("MinBackoff (%v) is longer than MaxBackoff (%v)", c.MinBackoff, c.MaxBackoff)
	}
	if c.SpoolMaxBytes < 0 || (c.SpoolMaxBytes > 0 && c.SpoolMaxBytes < MinSpoolMaxBytes) {
		bad("SpoolMaxBytes is %d; it must be at least %d (1 MiB), or 0 for the default, %d (1 GiB)",
			c.SpoolMaxBytes, MinSpoolMaxBytes, DefaultSpoolMaxBytes)
	}
	if len(problems) > 0 {
		return settings{}, fmt.Errorf("exporters: invalid Config: %s", strings.Join(problems, "; "))
	}

	s := settings{
		exporters:       c.Exporters,
		interval:        cmp.Or(c.Interval, DefaultInterval),
		queueSize:       cmp.Or(c.QueueSize, defaultQueueSize),
		shutdownTimeout: cmp.Or(c.ShutdownTimeout, DefaultShutdownTimeout),
		minBackoff:      c.MinBackoff,
		maxBackoff:      c.MaxBackoff,
		spoolDir:        c.SpoolDir,
		spoolMaxBytes:   cmp.Or(c.SpoolMaxBytes, DefaultSpoolMaxBytes),
		onSnapshot:      c.OnSnapshot,
		logger:          cmp.Or(c.Logger, slog.Default()),
	}
	s.timeout = cmp.Or(c.Timeout, s.interval)
	if s.minBackoff == 0 {
		s.minBackoff = min(defaultMinBackoff, cmp.Or(s.maxBackoff, defaultMinBackoff))
	}
	if s.maxBackoff == 0 {
		s.maxBackoff = max(defaultMaxBackoff, s.minBackoff)
	}
	return s, nil
}
