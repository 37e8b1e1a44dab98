// The live page: charts every series of the process's recent history from
// api/state, then follows new snapshots from api/events (server-sent
// events), polling api/state when the stream is refused or lost.
//
// Built to stay fast with 1,000 series: the state is parsed once and its
// arrays are kept as they are; every series gets a light section at once,
// but a chart only when its section scrolls into view (IntersectionObserver);
// updates append to the arrays and redraw only the charts on screen, in
// place; charts far off screen are destroyed beyond a budget.
(function () {
  'use strict';

  const MAX_LIVE_CHARTS = 120; // uPlot instances kept; the least recently seen go first
  const HEAT_MIN_EVERY = 2000; // ms between heatmap fetches of one chart
  const RETRY_STREAM_AFTER = 60000; // ms of polling before asking again for a refused stream
  const FIRST_SECTIONS = 48; // sections placed before the first charts; the rest follow
  const SECTION_CHUNK = 200; // sections placed per task after that

  const LINES = {
    counter: ['rate'],
    meter: ['rate'],
    gauge: ['value'],
    gauge_float64: ['value'],
    histogram: ['p50', 'p99', 'rate'],
    timer: ['p50', 'p99', 'rate'],
  };

  const $ = (id) => document.getElementById(id);
  const css = getComputedStyle(document.documentElement);
  const cssVar = (name) => css.getPropertyValue(name).trim();
  const COLORS = {
    value: cssVar('--line-value'),
    p50: cssVar('--line-p50'),
    p99: cssVar('--line-p99'),
    fg: cssVar('--muted'),
    grid: cssVar('--grid'),
    heat: cssVar('--heat'),
  };
  const CHART_H = parseInt(cssVar('--chart-h'), 10) || 150;
  const HEAT_H = parseInt(cssVar('--heat-h'), 10) || 44;

  // The page's copy of the history.
  const st = {
    seq: 0,
    epoch: 0, // names the server's history: another one (the process restarted) is not appended to
    interval: 10000,
    window: 3600000,
    times: [], // unix ms, oldest first
    series: new Map(), // id -> entry
    order: [], // entries in display order
    stamp: 0, // bumped per update, to find the series an update left out
  };
  let liveCharts = new Map(); // entry -> true, in least-recently-visible order
  let observer = null;
  let filterTerms = [];
  let firstCharts = null; // charts whose first draw sets the performance mark
  let firstDrawn = null; // resolves when the first charts are drawn
  let placed = 0; // st.order[:placed] have their section on the page

  // ---- formatting --------------------------------------------------------

  function trimNum(v) {
    if (v === 0) return '0';
    const a = Math.abs(v);
    const s = a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toPrecision(3);
    return String(Number(s));
  }

  const SI = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  function compact(v) {
    const a = Math.abs(v);
    for (const [f, s] of SI) if (a >= f) return trimNum(v / f) + s;
    return trimNum(v);
  }

  const DURATION = [[1e9, 's'], [1e6, 'ms'], [1e3, '\u00b5s'], [1, 'ns']];
  function duration(ns) {
    if (ns === 0) return '0';
    const a = Math.abs(ns);
    for (const [f, s] of DURATION) if (a >= f) return trimNum(ns / f) + s;
    return trimNum(ns) + 'ns';
  }

  const BYTES = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  function bytes(v) {
    let i = 0;
    while (Math.abs(v) >= 1024 && i < BYTES.length - 1) { v /= 1024; i++; }
    return trimNum(v) + ' ' + BYTES[i];
  }

  // inUnit formats v, a value in unit.
  function inUnit(v, unit) {
    switch (unit) {
      case 'ns': return duration(v);
      case 'us': case '\u00b5s': return duration(v * 1e3);
      case 'ms': return duration(v * 1e6);
      case 's': case 'seconds': return duration(v * 1e9);
      case 'bytes': case 'byte': case 'B': case 'By': return bytes(v);
      case '': case undefined: case null: return compact(v);
      case '%': case 'percent': return compact(v) + '%';
      default: return compact(v) + ' ' + unit;
    }
  }

  const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

  // formatter returns the function that formats line key of entry e.
  function formatter(e, key) {
    if (key === 'rate') {
      if (e.kind === 'counter' && e.unit) return (v) => inUnit(v, e.unit) + '/s';
      return (v) => compact(v) + '/s';
    }
    if (!e.unit) {
      // A plain gauge shows its exact value while it is short enough.
      return (v) => (Number.isInteger(v) && Math.abs(v) < 1e7 ? grouped.format(v) : compact(v));
    }
    return (v) => inUnit(v, e.unit);
  }

  function ago(ms) {
    if (!ms) return 'never';
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    return Math.round(s / 3600) + ' h ago';
  }

  function span(ms) {
    if (ms >= 3600000 && ms % 3600000 === 0) return ms / 3600000 + ' h';
    if (ms >= 60000 && ms % 60000 === 0) return ms / 60000 + ' min';
    if (ms >= 1000) return trimNum(ms / 1000) + ' s';
    return ms + ' ms';
  }

  function el(tag, cls, text) {
    const n = document.createElement(tag);
    if (cls) n.className = cls;
    if (text !== undefined) n.textContent = text;
    return n;
  }

  // ---- the history -------------------------------------------------------

  // addEntry makes the page's entry for series s of a state or update, with
  // pad nulls before the values s brings.
  function addEntry(s, pad) {
    const keys = LINES[s.kind] || Object.keys(s.lines || {}).sort();
    const tags = s.tags || {};
    const tagText = Object.keys(tags).sort().map((k) => k + '=' + tags[k]);
    const e = {
      id: s.id, name: s.name, kind: s.kind, unit: s.unit || '', tags: tagText, keys: keys,
      dist: s.kind === 'histogram' || s.kind === 'timer',
      search: (s.name + ' ' + tagText.join(' ')).toLowerCase(),
      lines: {}, fmt: {}, points: 0, stamp: 0,
      section: null, vals: null, plot: null, chart: null, heat: null,
      visible: false, stale: false, shown: true,
      heatData: null, heatAt: 0, heatBusy: false,
    };
    for (const k of keys) {
      e.lines[k] = pad > 0 ? new Array(pad).fill(null) : [];
      e.fmt[k] = formatter(e, k);
    }
    st.series.set(e.id, e);
    return e;
  }

  function countPoints(arr, from, to) {
    let n = 0;
    for (let i = from; i < to; i++) if (arr[i] != null) n++;
    return n;
  }

  // loadState replaces the history with a whole state.
  function loadState(s) {
    for (const e of st.order) dropEntry(e);
    st.series.clear();
    st.order = [];
    st.seq = s.seq || 0;
    st.epoch = s.epoch || 0;
    st.interval = s.interval_ms || st.interval;
    st.window = s.window_ms || st.window;
    st.times = s.times || [];
    const n = st.times.length;
    for (const x of s.series || []) {
      if (st.series.has(x.id)) continue;
      const e = addEntry(x, 0);
      for (const k of e.keys) {
        const src = x.lines && x.lines[k];
        e.lines[k] = src && src.length === n ? src : new Array(n).fill(null);
      }
      e.points = countPoints(e.lines[e.keys[0]], 0, n);
      e.shown = matches(e);
      st.order.push(e);
    }
    st.order.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    renderStatus(s);
    $('charts').replaceChildren();
    placed = 0;
    placeSections(FIRST_SECTIONS);
    renderShown();
    if (!st.order.length && firstCharts) markFirstCharts();
  }

  // placeSections puts the sections of the next n series on the page.
  function placeSections(n) {
    const to = Math.min(st.order.length, placed + n);
    const frag = document.createDocumentFragment();
    for (let i = placed; i < to; i++) {
      const e = st.order[i];
      frag.appendChild(makeSection(e));
      e.section.hidden = !e.shown;
    }
    $('charts').appendChild(frag);
    for (let i = placed; i < to; i++) observer.observe(st.order[i].section);
    placed = to;
  }

  // placeRest puts the remaining sections on the page a chunk per task,
  // so that the first charts do not wait for a thousand sections.
  function placeRest() {
    return new Promise((resolve) => {
      const step = () => {
        placeSections(SECTION_CHUNK);
        if (placed < st.order.length) {
          setTimeout(step, 0);
        } else {
          renderShown();
          resolve();
        }
      };
      step();
    });
  }

  // applyUpdate appends the snapshots of an update (a state holding only
  // what is newer than the page's seq), or takes a full one in place of
  // the history, and redraws what is on screen.
  function applyUpdate(u) {
    if (u.full) { // the whole history, as after the process restarted
      loadState(u);
      placeSections(st.order.length);
      renderShown();
      return;
    }
    if ((u.seq || 0) < st.seq || (u.epoch || 0) !== st.epoch) return reload();
    st.interval = u.interval_ms || st.interval;
    st.window = u.window_ms || st.window;
    renderStatus(u);
    const t = u.times || [];
    const last = st.times.length ? st.times[st.times.length - 1] : -Infinity;
    let from = 0;
    while (from < t.length && t[from] <= last) from++;
    const n = t.length - from;
    st.seq = Math.max(st.seq, u.seq || 0);
    if (n <= 0) return;
    const before = st.times.length;
    for (let i = from; i < t.length; i++) st.times.push(t[i]);
    const stamp = ++st.stamp;
    const added = [];
    for (const x of u.series || []) {
      let e = st.series.get(x.id);
      if (!e) {
        e = addEntry(x, before);
        added.push(e);
      }
      if (e.stamp === stamp) continue;
      e.stamp = stamp;
      for (const k of e.keys) {
        const src = x.lines && x.lines[k];
        const arr = e.lines[k];
        for (let i = from; i < t.length; i++) arr.push(src && src[i] != null ? src[i] : null);
      }
      e.points += countPoints(e.lines[e.keys[0]], before, before + n);
    }
    for (const e of st.order) {
      if (e.stamp === stamp) continue;
      for (const k of e.keys) for (let i = 0; i < n; i++) e.lines[k].push(null);
    }
    if (added.length) insertEntries(added);
    trim();
    refresh();
  }

  // trim drops the times that fell out of the window, and the series left
  // with no value at all.
  function trim() {
    const times = st.times;
    if (!times.length) return;
    const cutoff = times[times.length - 1] - st.window;
    let k = 0;
    while (k < times.length && times[k] <= cutoff) k++;
    if (!k) return;
    times.splice(0, k);
    const gone = [];
    for (const e of st.order) {
      e.points -= countPoints(e.lines[e.keys[0]], 0, k);
      for (const key of e.keys) e.lines[key].splice(0, k);
      if (e.points === 0 && e.keys.every((key) => e.lines[key].every((v) => v == null))) gone.push(e);
    }
    if (!gone.length) return;
    for (const e of gone) {
      dropEntry(e);
      st.series.delete(e.id);
      e.section.remove();
    }
    st.order = st.order.filter((e) => st.series.has(e.id));
    renderShown();
  }

  // insertEntries puts new series into the display order and the page.
  function insertEntries(added) {
    added.sort((a, b) => (a.id < b.id ? -1 : 1));
    const merged = [];
    let i = 0;
    for (const e of st.order) {
      while (i < added.length && added[i].id < e.id) merged.push(added[i++]);
      merged.push(e);
    }
    while (i < added.length) merged.push(added[i++]);
    st.order = merged;
    placed = merged.length;
    const box = $('charts');
    let next = null; // the section after the one being placed
    for (let j = merged.length - 1; j >= 0; j--) {
      const e = merged[j];
      if (!e.section) {
        box.insertBefore(makeSection(e), next);
        e.shown = matches(e);
        e.section.hidden = !e.shown;
        observer.observe(e.section);
      }
      next = e.section;
    }
    renderShown();
  }

  // ---- sections and charts -----------------------------------------------

  // sectionTemplate is cloned for every series: cheaper than building each.
  let sectionTemplate = null;

  function makeSection(e) {
    if (!sectionTemplate) {
      sectionTemplate = el('section', 'chart');
      const head = el('div', 'head');
      for (const c of ['name', 'kind', 'vals']) head.appendChild(el('span', c));
      head.appendChild(el('div', 'tags'));
      sectionTemplate.appendChild(head);
      sectionTemplate.appendChild(el('div', 'plot'));
    }
    const sec = sectionTemplate.cloneNode(true);
    if (e.dist) sec.classList.add('dist');
    sec.dataset.id = e.id;
    sec.dataset.points = String(e.points);
    const head = sec.firstChild;
    head.children[0].textContent = e.name;
    head.children[1].textContent = e.kind + (e.unit ? ' \u00b7 ' + e.unit : '');
    e.vals = head.children[2];
    const tags = head.children[3];
    if (e.tags.length) {
      for (const t of e.tags) tags.appendChild(el('span', 'tag', t));
    } else {
      tags.remove();
    }
    e.plot = sec.lastChild;
    e.section = sec;
    return sec;
  }

  // showValues writes the values at index i (-1: the newest) in the head.
  function showValues(e, i) {
    const n = st.times.length;
    const at = i < 0 ? n - 1 : i;
    const parts = [];
    if (i >= 0 && n) parts.push(['at', clockSec.format(st.times[at])]);
    for (const k of e.keys) {
      const arr = e.lines[k];
      const v = at >= 0 ? arr[at] : null;
      parts.push([e.dist ? k : 'value', (e.keys.length > 1 ? k + ' ' : '') + (v == null ? '\u2013' : e.fmt[k](v))]);
    }
    const box = e.vals;
    if (box.childElementCount !== parts.length) {
      box.replaceChildren(...parts.map(([k]) => el('span', 'val ' + k)));
    }
    for (let j = 0; j < parts.length; j++) {
      const c = box.children[j];
      c.className = 'val ' + parts[j][0];
      if (c.textContent !== parts[j][1]) c.textContent = parts[j][1];
    }
  }

  // plotted is the lines of e that its chart draws: a distribution's rate
  // is in its head only, the chart shows where its values lie.
  function plotted(e) {
    return e.dist ? e.keys.filter((k) => k !== 'rate') : e.keys;
  }

  function chartData(e) {
    const d = [st.times];
    for (const k of plotted(e)) d.push(e.lines[k]);
    return d;
  }

  function yRange(u, min, max) {
    if (min == null || max == null) return [0, 1];
    const lo = Math.min(0, min);
    let hi = max;
    if (hi <= lo) hi = lo + 1;
    return [lo, hi + (hi - lo) * 0.05];
  }

  const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const clockSec = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });

  // timeValues labels the time axis with the clock: seconds only when
  // the ticks are less than a minute apart.
  function timeValues(u, splits) {
    const f = splits.length > 1 && splits[1] - splits[0] < 60000 ? clockSec : clock;
    return splits.map((t) => f.format(t));
  }

  function axisOpts(extra) {
    return Object.assign({
      stroke: COLORS.fg,
      grid: { stroke: COLORS.grid, width: 1 },
      ticks: { stroke: COLORS.grid, width: 1 },
    }, extra);
  }

  // axisFormat is e's formatter of line key for an axis: always compact.
  function axisFormat(e, key) {
    return key === 'value' && !e.unit ? compact : e.fmt[key];
  }

  function axisValues(fmt) {
    return (u, splits) => splits.map((v) => (v == null ? '' : fmt(v)));
  }

  function makeChart(e, width) {
    const series = [{}];
    for (const k of plotted(e)) {
      series.push({
        label: k,
        stroke: e.dist ? COLORS[k] : COLORS.value,
        width: 1.5,
        value: (u, v) => (v == null ? '\u2013' : e.fmt[k](v)),
      });
    }
    const axes = [
      axisOpts({ values: timeValues, space: 70 }),
      axisOpts({ size: 62, values: axisValues(axisFormat(e, e.keys[0])) }),
    ];
    const scales = { x: { time: true }, y: { range: yRange } };
    const opts = {
      width: width,
      height: CHART_H,
      ms: 1,
      series: series,
      axes: axes,
      scales: scales,
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { size: 5 } },
      hooks: {
        setCursor: [(u) => showValues(e, u.cursor.idx == null ? -1 : u.cursor.idx)],
        draw: [(u) => {
          if (firstCharts && firstCharts.delete(e) && firstCharts.size === 0) markFirstCharts();
          if (e.dist) drawHeat(e);
        }],
      },
    };
    e.chart = new uPlot(opts, chartData(e), e.plot);
    if (e.dist) {
      e.heat = el('canvas', 'heat');
      e.plot.appendChild(e.heat);
    }
    e.stale = false;
  }

  // dropChart destroys e's chart, if it has one; its section stays.
  function dropChart(e) {
    if (e.chart) {
      e.chart.destroy();
      e.chart = null;
    }
    if (e.heat) {
      e.heat.remove();
      e.heat = null;
    }
    e.heatData = null;
    e.stale = false;
    liveCharts.delete(e);
  }

  // dropEntry forgets e's chart and stops watching its section.
  function dropEntry(e) {
    dropChart(e);
    if (e.section) observer.unobserve(e.section);
  }

  // onIntersect creates the charts that scroll into view and keeps the
  // number of charts bounded.
  function onIntersect(entries) {
    const seen = [];
    const soon = []; // near the viewport, not in it: drawn after the first charts
    const bottom = window.innerHeight;
    for (const en of entries) {
      const e = st.series.get(en.target.dataset.id);
      if (!e) continue;
      e.visible = en.isIntersecting;
      if (!e.visible) continue;
      const r = en.boundingClientRect;
      if (firstCharts && (r.top >= bottom || r.bottom <= 0)) soon.push(e);
      else seen.push(e);
    }
    const created = showCharts(seen);
    if (soon.length) setTimeout(() => showCharts(soon.filter((e) => e.visible)), 0);
    if (firstCharts && created === 0 && firstCharts.size === 0) markFirstCharts();
  }

  // showCharts draws (or redraws) the charts of series that came into view,
  // returning how many it created.
  function showCharts(list) {
    // Widths first, in one layout, before the new charts change the page.
    const widths = list.map((e) => Math.max(200, e.plot.clientWidth));
    let created = 0;
    list.forEach((e, i) => {
      liveCharts.delete(e);
      liveCharts.set(e, true);
      if (!e.chart) {
        if (firstCharts) firstCharts.add(e);
        makeChart(e, widths[i]);
        created++;
      } else if (e.stale) {
        redraw(e, widths[i]);
      }
      if (e.dist) maybeFetchHeat(e);
      showValues(e, -1);
    });
    if (liveCharts.size > MAX_LIVE_CHARTS) {
      for (const e of liveCharts.keys()) {
        if (liveCharts.size <= MAX_LIVE_CHARTS) break;
        if (!e.visible) dropChart(e);
      }
    }
    return created;
  }

  function markFirstCharts() {
    firstCharts = null;
    performance.mark('vitals-first-charts');
    firstDrawn.resolve();
  }

  function redraw(e, width) {
    const w = width || Math.max(200, e.plot.clientWidth);
    if (w !== e.chart.width) e.chart.setSize({ width: w, height: CHART_H });
    e.chart.setData(chartData(e));
    e.stale = false;
  }

  // refresh brings every section up to date after an update: the point
  // counts everywhere, the charts and values on screen only.
  function refresh() {
    for (const e of st.order) {
      const p = String(e.points);
      if (e.section.dataset.points !== p) e.section.dataset.points = p;
      if (!e.visible) {
        if (e.chart) e.stale = true;
        continue;
      }
      if (e.chart) redraw(e);
      if (e.dist) maybeFetchHeat(e);
      showValues(e, -1);
    }
  }

  // ---- heatmaps ----------------------------------------------------------

  function maybeFetchHeat(e) {
    const now = Date.now();
    if (e.heatBusy || (e.heatData && now - e.heatAt < Math.max(st.interval, HEAT_MIN_EVERY))) return;
    e.heatBusy = true;
    e.heatAt = now;
    fetch('api/heatmap?id=' + encodeURIComponent(e.id), { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : null))
      .then((h) => {
        if (h && st.series.get(e.id) === e) {
          e.heatData = h;
          drawHeat(e);
        }
      })
      .catch(() => {})
      .finally(() => { e.heatBusy = false; });
  }

  // drawHeat draws the bands of e's heatmap under its chart, on the same
  // time axis: one column per few snapshots, covering their intervals
  // (from its start to its time); one row per band that ever held a value,
  // the lowest at the bottom.
  function drawHeat(e) {
    const c = e.heat;
    const h = e.heatData;
    const u = e.chart;
    if (!c || !u) return;
    const dpr = window.devicePixelRatio || 1;
    const cw = u.width;
    if (c.width !== Math.round(cw * dpr) || c.height !== Math.round(HEAT_H * dpr)) {
      c.width = Math.round(cw * dpr);
      c.height = Math.round(HEAT_H * dpr);
    }
    const g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, cw, HEAT_H);
    if (!h || !h.times || !h.times.length || !h.starts || !h.bounds || !h.bounds.length) return;
    const left = u.bbox.left / dpr;
    const width = u.bbox.width / dpr;
    const xmin = u.scales.x.min;
    const xmax = u.scales.x.max;
    if (!(xmax > xmin)) return;
    let lo = Infinity;
    let hi = -1;
    let max = 0;
    for (const row of h.counts) {
      if (!row) continue;
      for (let b = 0; b < row.length; b++) {
        const n = row[b];
        if (n > 0) {
          if (b < lo) lo = b;
          if (b > hi) hi = b;
          if (n > max) max = n;
        }
      }
    }
    if (hi < 0) return;
    const rows = hi - lo + 1;
    const rowH = (HEAT_H - 2) / rows;
    const lmax = Math.log1p(max);
    const x = (t) => left + ((t - xmin) / (xmax - xmin)) * width;
    g.save();
    g.beginPath();
    g.rect(left, 0, width, HEAT_H);
    g.clip();
    for (let i = 0; i < h.times.length; i++) {
      const row = h.counts[i];
      if (!row) continue;
      const x1 = x(h.times[i]);
      const x0 = Math.min(x1 - 1, x(h.starts[i]));
      for (let b = lo; b <= hi && b < row.length; b++) {
        const n = row[b];
        if (!(n > 0)) continue;
        const a = 0.12 + 0.88 * (Math.log1p(n) / lmax);
        g.fillStyle = 'rgba(' + COLORS.heat + ',' + a.toFixed(3) + ')';
        g.fillRect(x0, 1 + (hi - b) * rowH, x1 - x0, Math.max(rowH, 1));
      }
    }
    g.restore();
    const upper = (b) => (b + 1 < h.bounds.length ? h.bounds[b + 1] : h.bounds[b] * 2 || 1);
    const fmt = e.fmt.p50 || e.fmt[e.keys[0]];
    g.fillStyle = COLORS.fg;
    g.font = '10px system-ui, sans-serif';
    g.textAlign = 'right';
    g.textBaseline = 'top';
    g.fillText(fmt(upper(hi)), left - 4, 1);
    g.textBaseline = 'bottom';
    g.fillText(fmt(h.bounds[lo]), left - 4, HEAT_H - 1);
  }

  // ---- health, exporters, status -----------------------------------------

  function renderStatus(s) {
    if (s.health) {
      const pre = $('health');
      const status = s.health.status || 'UNKNOWN';
      if (pre.dataset.status !== status) pre.dataset.status = status;
      if (pre.textContent !== s.health.text) pre.textContent = s.health.text || status;
    }
    if (s.exporters) renderExporters(s.exporters);
    const notice = $('notice');
    notice.hidden = !(s.dropped_series > 0);
    if (s.dropped_series > 0) {
      notice.textContent = s.dropped_series + ' series not kept: the history\u2019s series cap was reached';
    }
    renderMeta();
  }

  function renderExporters(list) {
    const body = $('exporters').tBodies[0];
    const rows = new Map();
    for (const tr of body.rows) rows.set(tr.dataset.exporter, tr);
    for (const x of list) {
      let tr = rows.get(x.name);
      rows.delete(x.name);
      if (!tr) {
        tr = el('tr');
        tr.dataset.exporter = x.name;
        for (let i = 0; i < 8; i++) tr.appendChild(el('td'));
        tr.cells[7].className = 'err';
        body.appendChild(tr);
      }
      const failing = x.last_error && x.last_error_at >= x.last_success;
      const cells = [
        x.name, String(x.queued), String(x.exported), String(x.rejected), String(x.dropped),
        String(x.retries), ago(x.last_success),
        x.last_error ? x.last_error + ' (' + ago(x.last_error_at) + ')' : '',
      ];
      for (let i = 0; i < cells.length; i++) {
        if (tr.cells[i].textContent !== cells[i]) tr.cells[i].textContent = cells[i];
      }
      tr.cells[4].classList.toggle('bad', x.dropped > 0);
      tr.cells[7].classList.toggle('bad', !!failing);
    }
    for (const tr of rows.values()) tr.remove();
    $('exporters-box').hidden = body.rows.length === 0;
  }

  function renderMeta() {
    const last = st.times.length ? new Date(st.times[st.times.length - 1]).toLocaleTimeString() : 'none yet';
    $('meta').textContent = 'every ' + span(st.interval) + ' \u00b7 last ' + span(st.window) + ' \u00b7 snapshot ' + last;
  }

  function setLive(state, text) {
    const n = $('live');
    n.dataset.state = state;
    n.textContent = text;
  }

  function showError(text) {
    const p = $('error');
    p.hidden = !text;
    p.textContent = text || '';
  }

  // ---- filter ------------------------------------------------------------

  function matches(e) {
    for (const t of filterTerms) if (!e.search.includes(t)) return false;
    return true;
  }

  function readFilter() {
    const q = $('filter').value.trim().toLowerCase();
    filterTerms = q ? q.split(/\s+/) : [];
  }

  function applyFilter() {
    readFilter();
    for (const e of st.order) {
      e.shown = matches(e);
      if (e.section && e.section.hidden === e.shown) e.section.hidden = !e.shown;
    }
    renderShown();
  }

  function renderShown() {
    let n = 0;
    for (const e of st.order) if (e.shown) n++;
    $('shown').textContent = filterTerms.length ? n + ' of ' + st.order.length + ' series' : st.order.length + ' series';
  }

  function onFilterInput() {
    applyFilter();
    const q = $('filter').value;
    history.replaceState(null, '', q ? '#filter=' + encodeURIComponent(q) : location.pathname + location.search);
  }

  // ---- fetching and following --------------------------------------------

  // since returns the query of what follows the page's history.
  function since() {
    return '?since=' + st.seq + '&epoch=' + st.epoch;
  }

  async function getState(query) {
    const r = await fetch('api/state' + (query || ''));
    if (r.status === 401) {
      // The session ended (the process restarted with a token set):
      // reloading shows the server's login form.
      location.reload();
    }
    if (!r.ok) {
      let msg = r.status + ' ' + r.statusText;
      try { msg = (await r.json()).error || msg; } catch (_) { /* not JSON */ }
      throw new Error('api/state: ' + msg);
    }
    return r.json();
  }

  let stream = null;
  let pollTimer = 0;
  let streamAgainAt = 0; // when polling may try the stream again

  function follow() {
    if (typeof EventSource === 'undefined') return poll();
    let opened = false;
    stream = new EventSource('api/events' + since());
    stream.addEventListener('open', () => {
      opened = true;
      setLive('live', 'live');
      showError('');
    });
    stream.addEventListener('update', (ev) => {
      try {
        applyUpdate(JSON.parse(ev.data));
      } catch (err) {
        showError('bad update: ' + err.message);
      }
    });
    stream.addEventListener('error', () => {
      // Refused (503: too many live pages are open) or lost (the process
      // restarted, the connection was cut): poll instead. A lost stream
      // is tried again once a poll gets an answer; a refused one after a
      // while.
      stream.close();
      stream = null;
      streamAgainAt = opened ? 0 : Date.now() + RETRY_STREAM_AFTER;
      poll();
    });
  }

  function poll() {
    clearTimeout(pollTimer);
    const every = Math.max(st.interval, 250);
    pollTimer = setTimeout(async () => {
      let answered = false;
      try {
        applyUpdate(await getState(since()));
        answered = true;
        setLive('polling', 'polling every ' + span(every));
        showError('');
      } catch (err) {
        setLive('offline', 'offline');
        showError(err.message + ' (retrying)');
      }
      if (answered && Date.now() >= streamAgainAt && typeof EventSource !== 'undefined') {
        follow();
      } else {
        poll();
      }
    }, every);
    if ($('live').dataset.state !== 'offline') setLive('polling', 'polling every ' + span(every));
  }

  async function reload() {
    if (stream) {
      stream.close();
      stream = null;
    }
    clearTimeout(pollTimer);
    try {
      firstCharts = new Set();
      firstDrawn = Promise.withResolvers();
      loadState(await getState());
      showError('');
      // The other sections once the first charts are up (or after a second,
      // if the tab is in the background and draws nothing).
      await Promise.race([firstDrawn.promise, new Promise((r) => setTimeout(r, 1000))]);
      await placeRest();
      follow();
    } catch (err) {
      setLive('offline', 'offline');
      showError(err.message + ' (retrying)');
      pollTimer = setTimeout(reload, Math.max(st.interval, 1000));
    }
  }

  function onResize() {
    for (const e of liveCharts.keys()) {
      if (e.visible) redraw(e);
      else e.stale = true;
    }
  }

  function start() {
    observer = new IntersectionObserver(onIntersect, { rootMargin: '200px 0px' });
    const m = /^#filter=(.*)$/.exec(location.hash);
    if (m) {
      try {
        $('filter').value = decodeURIComponent(m[1]);
      } catch (_) { /* not percent-encoding (typed by hand): no filter */ }
    }
    readFilter();
    $('filter').addEventListener('input', onFilterInput);
    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(onResize, 150);
    });
    reload();
  }

  // For tests and the console: the history and each series' chart.
  window.vitals = {
    state: st,
    chart: (id) => { const e = st.series.get(id); return e ? e.chart : null; },
  };

  start();
})();
