package main

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/vitals-go/vitals/compare"
	"github.com/vitals-go/vitals/metrics"
	"github.com/vitals-go/vitals/pgreader"
)

// The chart's size, and the resolution of its PNG form.
const (
	chartWidth  = 13 * vg.Inch
	chartHeight = 5 * vg.Inch
	chartDPI    = 110
)

// The colours of the chart: before and p50 blue, after and p99 orange.
var (
	colorBlue    = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	colorOrange  = color.RGBA{R: 0xe6, G: 0x55, B: 0x0d, A: 0xff}
	colorRelease = color.RGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff}
	colorGrid    = color.Gray{Y: 0xdd}
)

// chart is what the chart of a comparison shows.
type chart struct {
	title   string                // service, metric and tags
	unit    time.Duration         // of the values, when they are durations (shown in ms); 0 otherwise
	points  []pgreader.RangePoint // every matching series merged, over both sides
	sides   [2]side
	dists   [2]metrics.Distribution // every series of a side merged
	release time.Time               // where the after side starts
}

// loadChart reads what the chart of cmp needs: the quantiles over the span
// of both sides (one Range of every matching series, whatever its release,
// at most 500 points) and the distributions of the sides.
func loadChart(ctx context.Context, r *pgreader.Reader, cmp *compare.Comparison, sides [2]side) (*chart, error) {
	ch := &chart{sides: sides, unit: cmp.Unit}
	q := cmp.Query
	ch.title = q.Service + " " + q.Metric
	if len(q.Tags) > 0 {
		ch.title += " {" + formatTags(q.Tags) + "}"
	}
	var from, to time.Time
	for _, sc := range cmp.Series {
		for i, st := range [2]compare.Stats{sc.Before, sc.After} {
			ch.dists[i] = ch.dists[i].Merge(st.Dist)
			if st.Intervals == 0 {
				continue
			}
			if from.IsZero() || st.Start.Before(from) {
				from = st.Start
			}
			if st.End.After(to) {
				to = st.End
			}
		}
	}
	if len(ch.dists[0].Buckets) == 0 && len(ch.dists[1].Buckets) == 0 {
		return nil, fmt.Errorf("no chart: %s has no distribution (only histograms and timers do)", q.Metric)
	}
	if from.IsZero() {
		return nil, errors.New("no chart: neither side has data")
	}
	to = to.Add(time.Microsecond) // Range's To is exclusive
	tags := metrics.Tags{metrics.TagService: q.Service}
	for k, v := range q.Tags {
		tags[k] = v
	}
	points, err := r.Range(ctx, pgreader.RangeQuery{Name: q.Metric, Tags: tags, From: from, To: to, MaxPoints: pgreader.DefaultMaxPoints})
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	ch.points = points

	// The after side starts when its release's first process started, if
	// that is on the chart, else with its data.
	ch.release = sides[1].from
	if s := sides[1].started; !s.IsZero() && !s.Before(from) && s.Before(to) {
		ch.release = s
	}
	return ch, nil
}

// save draws the chart and writes it to an SVG file, a PNG file, or both
// ("" for neither).
func (ch *chart) save(svgPath, pngPath string) error {
	if svgPath != "" {
		c := vgsvg.New(chartWidth, chartHeight)
		if err := ch.draw(draw.New(c)); err != nil {
			return err
		}
		if err := writeFile(svgPath, c); err != nil {
			return err
		}
	}
	if pngPath != "" {
		c := vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(chartDPI))
		if err := ch.draw(draw.New(c)); err != nil {
			return err
		}
		if err := writeFile(pngPath, vgimg.PngCanvas{Canvas: c}); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes what wt writes to a new file at path.
func writeFile(path string, wt io.WriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := wt.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// draw draws the two panels side by side on c, on a white background: the
// quantiles over time, and the distributions of both sides as CDFs.
func (ch *chart) draw(c draw.Canvas) error {
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	overTime, err := ch.quantilePlot()
	if err != nil {
		return err
	}
	cdf, err := ch.cdfPlot()
	if err != nil {
		return err
	}
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Inch / 2,
		PadTop: vg.Inch / 8, PadBottom: vg.Inch / 8, PadLeft: vg.Inch / 8, PadRight: vg.Inch / 4}
	canvases := plot.Align([][]*plot.Plot{{overTime, cdf}}, tiles, c)
	overTime.Draw(canvases[0][0])
	cdf.Draw(canvases[0][1])
	return nil
}

// scale converts a value to the chart's unit: ms for a duration.
func (ch *chart) scale(v float64) float64 {
	if ch.unit > 0 {
		return v * float64(ch.unit) / float64(time.Millisecond)
	}
	return v
}

// valueLabel is the label of an axis of values.
func (ch *chart) valueLabel(what string) string {
	if ch.unit > 0 {
		return what + " (ms)"
	}
	return what
}

// quantilePlot is the left panel: p50 and p99 per step over both sides,
// with a vertical line where the after side starts.
func (ch *chart) quantilePlot() (*plot.Plot, error) {
	p := newPlot(ch.title+": p50 and p99", "time (UTC)", ch.valueLabel("duration"))
	p.Legend.Top, p.Legend.Left = true, true

	// A gap of more than 1.5 steps (the smallest distance between two
	// points) breaks the lines, so that no line is drawn across a time
	// without data, such as between two runs.
	step := math.Inf(1)
	for i := 1; i < len(ch.points); i++ {
		step = min(step, ch.points[i].Time.Sub(ch.points[i-1].Time).Seconds())
	}
	yMax := 0.0
	for _, q := range []struct {
		name  string
		value func(pgreader.RangePoint) float64
		color color.Color
	}{
		{"p50", func(p pgreader.RangePoint) float64 { return p.P50 }, colorBlue},
		{"p99", func(p pgreader.RangePoint) float64 { return p.P99 }, colorOrange},
	} {
		var run plotter.XYs
		flush := func(first bool) error {
			if len(run) == 0 {
				return nil
			}
			l, s, err := plotter.NewLinePoints(run)
			if err != nil {
				return err
			}
			l.Color, l.Width = q.color, vg.Points(1.5)
			s.Color, s.Radius, s.Shape = q.color, vg.Points(1.5), draw.CircleGlyph{}
			p.Add(l, s)
			if first {
				p.Legend.Add(q.name, l, s)
			}
			run = run[:0]
			return nil
		}
		first := true
		for i, pt := range ch.points {
			if pt.Count == 0 {
				continue // no values in this step: its quantiles are undefined, not 0
			}
			x := unixSeconds(pt.Time)
			if i > 0 && x-unixSeconds(ch.points[i-1].Time) > 1.5*step {
				if err := flush(first); err != nil {
					return nil, err
				}
				first = false
			}
			y := ch.scale(q.value(pt))
			yMax = max(yMax, y)
			run = append(run, plotter.XY{X: x, Y: y})
		}
		if err := flush(first); err != nil {
			return nil, err
		}
	}
	if yMax == 0 {
		yMax = 1
	}
	p.Y.Min, p.Y.Max = 0, yMax*1.15 // room for the release label

	// The release line, labelled at its top.
	x := unixSeconds(ch.release)
	line, err := plotter.NewLine(plotter.XYs{{X: x, Y: 0}, {X: x, Y: yMax * 1.15}})
	if err != nil {
		return nil, err
	}
	line.Color, line.Width, line.Dashes = colorRelease, vg.Points(1), []vg.Length{vg.Points(4), vg.Points(3)}
	name := "after side"
	if r := ch.sides[1].release; r != "" {
		name = "release " + r
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: x, Y: yMax * 1.08}}, Labels: []string{" " + name}})
	if err != nil {
		return nil, err
	}
	labels.TextStyle[0].Color = colorRelease
	labels.TextStyle[0].Font = sans(11)
	p.Add(line, labels)

	xMin, xMax := x, x
	if len(ch.points) > 0 {
		xMin = min(xMin, unixSeconds(ch.points[0].Time))
		xMax = max(xMax, unixSeconds(ch.points[len(ch.points)-1].Time))
	}
	format := "15:04:05"
	if xMax-xMin > 24*3600 {
		format = "Jan 2 15:04"
	}
	p.X.Tick.Marker = plot.TimeTicks{Format: format, Time: unixTimeUTC}
	return p, nil
}

// cdfPlot is the right panel: the distribution of each side as the fraction
// of values at most x, x on a log scale.
func (ch *chart) cdfPlot() (*plot.Plot, error) {
	p := newPlot(ch.title+": distribution", ch.valueLabel("duration")+", log scale", "fraction of values ≤ x")
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = plot.ConstantTicks{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"},
		{Value: 0.5, Label: "0.5 (p50)"}, {Value: 0.75, Label: "0.75"}, {Value: 0.9, Label: "0.9 (p90)"},
		{Value: 0.99, Label: ""}, {Value: 1, Label: "1"}}
	xMin, xMax := math.Inf(1), 0.0
	for i, d := range ch.dists {
		xys := cdfPoints(d, ch.scale)
		if len(xys) == 0 {
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = []color.Color{colorBlue, colorOrange}[i], vg.Points(2)
		p.Add(l)
		p.Legend.Add(ch.sides[i].label(), l)
		// The x axis starts near the 1% quantile, so that a few tiny values
		// do not squeeze the rest of the curves into the right half.
		xMin = min(xMin, ch.scale(d.Quantile(0.01))/1.5)
		xMax = max(xMax, xys[len(xys)-1].X)
	}
	if xMax > 0 {
		if !(xMin > 0) || xMin >= xMax {
			xMin = xMax / 1000
		}
		p.X.Min, p.X.Max = xMin, xMax*1.05
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	return p, nil
}

// cdfPoints returns the cumulative distribution of d: at the upper bound of
// each bucket, the fraction of values in it and the buckets below, starting
// at 0 at the lower bound of the first bucket. Values are converted with
// scale; points at x <= 0 (the bucket of values <= 0) are left out, for the
// log scale.
func cdfPoints(d metrics.Distribution, scale func(float64) float64) plotter.XYs {
	var total uint64
	for _, b := range d.Buckets {
		total += b.Count
	}
	if total == 0 {
		return nil
	}
	var xys plotter.XYs
	var seen uint64
	for i, b := range d.Buckets {
		lo, hi := metrics.BucketBounds(b.Index)
		lo, hi = min(max(lo, float64(d.Min)), hi), min(hi, float64(d.Max)) // the clamped bucket
		if i == 0 && scale(lo) > 0 {
			xys = append(xys, plotter.XY{X: scale(lo), Y: 0})
		}
		seen += b.Count
		if x := scale(hi); x > 0 && (len(xys) == 0 || x > xys[len(xys)-1].X) {
			xys = append(xys, plotter.XY{X: x, Y: float64(seen) / float64(total)})
		} else if len(xys) > 0 {
			xys[len(xys)-1].Y = float64(seen) / float64(total)
		}
	}
	return xys
}

// newPlot returns a plot with a title, axis labels and a grid.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(13)
	p.X.Label.Text, p.Y.Label.Text = x, y
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(11)
		a.Tick.Label.Font = sans(10)
	}
	p.Legend.TextStyle.Font = sans(11)
	p.Legend.Padding = vg.Points(4)
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = colorGrid, colorGrid
	p.Add(g)
	return p
}

// sans returns the chart's font, Liberation Sans (embedded in gonum/plot),
// at size points.
func sans(size float64) font.Font {
	return font.Font{Typeface: "Liberation", Variant: "Sans", Size: vg.Points(size)}
}

// unixSeconds returns t as seconds since 1970, the chart's time axis.
func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// unixTimeUTC converts the time axis back, for tick labels.
func unixTimeUTC(x float64) time.Time {
	sec, frac := math.Modf(x)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// logTicks labels a log axis at the powers of ten, and also at 2 and 5
// times them when the axis spans less than three decades (plot.LogTicks
// labels only the powers of ten, which on a narrow range can be one label
// or none), with minor ticks between.
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	narrow := math.Log10(hi/lo) < 3
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		pow := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := float64(m) * pow
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || narrow && (m == 2 || m == 5) {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
