package metrics

// Default is the process-wide registry that vitals.Start exports. The
// package-level functions register in it.
var Default = NewRegistry()

// GetCounter returns (registering if new) Default's counter with this name and tags.
func GetCounter(name string, tags Tags) *Counter { return Default.Counter(name, tags) }

// GetGauge returns (registering if new) Default's gauge with this name and tags.
func GetGauge(name string, tags Tags) *Gauge { return Default.Gauge(name, tags) }

// GetGaugeFloat64 returns (registering if new) Default's float gauge with this name and tags.
func GetGaugeFloat64(name string, tags Tags) *GaugeFloat64 { return Default.GaugeFloat64(name, tags) }

// GetMeter returns (registering if new) Default's meter with this name and tags.
func GetMeter(name string, tags Tags) *Meter { return Default.Meter(name, tags) }

// GetHistogram returns (registering if new) Default's histogram with this name and tags.
func GetHistogram(name string, tags Tags) *Histogram { return Default.Histogram(name, tags) }

// GetTimer returns (registering if new) Default's timer with this name and tags.
func GetTimer(name string, tags Tags) *Timer { return Default.Timer(name, tags) }
