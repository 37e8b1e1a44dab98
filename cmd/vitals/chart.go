package main

import (
	"context"
	"fmt"
	"image/color"
	"io"
	"maps"
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
	title   string                   // service, metric and tags
	unit    time.Duration            // of the values, when they are durations (shown in ms); 0 otherwise
	labels  [2]string                // of the sides: "before v1", "after v2"
	points  [2][]pgreader.RangePoint // of each side, every matching series merged
	dists   [2]metrics.Distribution  // every series of a side merged
	release time.Time                // where the after side starts
	after   string                   // the name of the release marker
}

// chartPoints bounds the points of each side's line.
const chartPoints = 250

// loadChart reads what the chart of c needs: for each side, the quantiles
// over its span (a Range of every matching series, of the side's release
// if it is one, at most chartPoints points), and the side's distribution.
func loadChart(ctx context.Context, r *pgreader.Reader, c *compare.Comparison) (*chart, error) {
	q := c.Query
	ch := &chart{unit: c.Unit, title: q.Service + " " + q.Metric, release: c.After.From,
		labels: [2]string{sideLabel("before", q.Before), sideLabel("after", q.After)}, after: "after side"}
	if len(q.Tags) > 0 {
		ch.title += " {" + formatTags(q.Tags) + "}"
	}
	if q.After.Release != "" {
		ch.after = "release " + q.After.Release
	}
	for _, l := range c.Series {
		for i, st := range [2]compare.Stats{l.Before, l.After} {
			ch.dists[i] = ch.dists[i].Merge(st.Dist)
		}
	}
	if len(ch.dists[0].Buckets) == 0 && len(ch.dists[1].Buckets) == 0 {
		return nil, fmt.Errorf("no chart: %s has no distribution (only histograms and timers do)", q.Metric)
	}
	for i, s := range [2]struct {
		side compare.Side
		span compare.Span
	}{{q.Before, c.Before}, {q.After, c.After}} {
		tags := metrics.Tags{metrics.TagService: q.Service}
		maps.Copy(tags, q.Tags)
		if s.side.Release != "" {
			tags[metrics.TagVersion] = s.side.Release
		}
		to := s.span.To.Add(time.Microsecond) // Range's To is exclusive; the last interval is at To
		points, err := r.Range(ctx, pgreader.RangeQuery{Name: q.Metric, Tags: tags, From: s.span.From, To: to, MaxPoints: chartPoints})
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		ch.points[i] = points
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

// quantilePlot is the left panel: p50 and p99 per step of each side,
// each side's points joined by lines (p50 solid, p99 dashed; before blue,
// after orange), with a dashed vertical line where the after side starts.
// Steps without values, whose quantiles are undefined, are left out.
func (ch *chart) quantilePlot() (*plot.Plot, error) {
	p := newPlot(ch.title+": p50 and p99", "time (UTC)", ch.valueLabel("duration"))
	p.Legend.Top, p.Legend.Left = true, true
	yMax := 0.0
	xMin, xMax := unixSeconds(ch.release), unixSeconds(ch.release)
	for i, pts := range ch.points {
		for _, q := range []struct {
			name   string
			value  func(pgreader.RangePoint) float64
			dashes []vg.Length
			glyph  draw.GlyphDrawer
		}{
			{"p50", func(p pgreader.RangePoint) float64 { return p.P50 }, nil, draw.CircleGlyph{}},
			{"p99", func(p pgreader.RangePoint) float64 { return p.P99 }, []vg.Length{vg.Points(5), vg.Points(3)}, draw.TriangleGlyph{}},
		} {
			var xys plotter.XYs
			for _, pt := range pts {
				if pt.Count == 0 {
					continue
				}
				x, y := unixSeconds(pt.Time), ch.scale(q.value(pt))
				xys = append(xys, plotter.XY{X: x, Y: y})
				yMax, xMin, xMax = max(yMax, y), min(xMin, x), max(xMax, x)
			}
			if len(xys) == 0 {
				continue
			}
			l, s, err := plotter.NewLinePoints(xys)
			if err != nil {
				return nil, err
			}
			sideColor := []color.Color{colorBlue, colorOrange}[i]
			l.Color, l.Width, l.Dashes = sideColor, vg.Points(1.5), q.dashes
			s.Color, s.Radius, s.Shape = sideColor, vg.Points(2), q.glyph
			p.Add(l, s)
			p.Legend.Add(q.name+" "+ch.labels[i], l, s)
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
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: x, Y: yMax * 1.08}}, Labels: []string{" " + ch.after}})
	if err != nil {
		return nil, err
	}
	labels.TextStyle[0].Color = colorRelease
	labels.TextStyle[0].Font = sans(11)
	p.Add(line, labels)

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
		p.Legend.Add(ch.labels[i], l)
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
