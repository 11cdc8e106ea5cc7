// Data-quality plots drawn with JSROOT (the bundle of web/jsroot-bundle): a trend (one
// variable over runs, points coloured by level, lines where the magnet polarity or the
// reference run changes) and a run × sensor heat map. Shared by the trends, detailed trends,
// sensor and TELL1 pages as `window.VeloDqPlot`. Run info and titles are untrusted: they reach
// the page only through textContent or JSROOT's SVG text.
'use strict';

(function () {
  const JSROOT_URL = document.currentScript && document.currentScript.dataset.jsroot;
  // ROOT colour indices: kGreen+2, kOrange, kRed, kGray+1; kBlue and kMagenta for changes.
  const LEVEL_COLOURS = { OK: 418, WARNING: 800, ERROR: 632, '': 921 };
  const POLARITY_COLOUR = 600;
  const REFERENCE_COLOUR = 616;
  const kNoStats = 1 << 9;
  // TAxis::kNoExponent (JSROOT's EAxisBits): run numbers in full, not as 123.97 ×10³.
  const kNoExponent = 1 << 17;

  let jsroot = null;
  function loadJsroot() {
    if (!jsroot) {
      jsroot = new Promise((resolve, reject) => {
        if (!JSROOT_URL) {
          reject(new Error('the page names no JSROOT library'));
          return;
        }
        const s = document.createElement('script');
        s.src = JSROOT_URL;
        s.onload = () => resolve();
        s.onerror = () => reject(new Error('the JSROOT library did not load (run `npm ci` in web)'));
        document.head.append(s);
      });
    }
    return jsroot;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function utc(ms) {
    return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  }

  // Where consecutive points' polarity or reference run differ: [{ index, kind, from, to }].
  function changes(points) {
    const out = [];
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1];
      const b = points[i];
      if (a.magnet_polarity && b.magnet_polarity && a.magnet_polarity !== b.magnet_polarity) {
        out.push({ index: i, kind: 'polarity', from: a.magnet_polarity, to: b.magnet_polarity });
      }
      if ((a.reference_run ?? null) !== (b.reference_run ?? null)) {
        out.push({ index: i, kind: 'reference', from: a.reference_run ?? 'none', to: b.reference_run ?? 'none' });
      }
    }
    return out;
  }

  function axisHistogram(title, xTitle, yTitle, xmin, xmax, ymin, ymax, time) {
    const h = JSROOT.createHistogram('TH1F', 1);
    h.fName = 'axes';
    h.fTitle = title;
    h.fBits |= kNoStats;
    h.fXaxis.fXmin = xmin;
    h.fXaxis.fXmax = xmax;
    h.fXaxis.fTitle = xTitle;
    h.fYaxis.fTitle = yTitle;
    h.fMinimum = ymin;
    h.fMaximum = ymax;
    h.fXaxis.fBits |= kNoExponent;
    h.fXaxis.fNdivisions = 508;
    if (time) {
      h.fXaxis.fTimeDisplay = true;
      h.fXaxis.fTimeFormat = '%d/%m %H:%M%F1970-01-01 00:00:00s0';
    }
    return h;
  }

  function graph(name, xs, ys, colour) {
    const g = JSROOT.createTGraph(xs.length, xs, ys);
    g.fName = name;
    g.fTitle = name;
    g.fMarkerStyle = 20;
    g.fMarkerSize = 0.8;
    g.fMarkerColor = colour;
    g.fLineColor = colour;
    return g;
  }

  // Draw `points` ({run, value, time, level, reference_run, magnet_polarity}, oldest first) into
  // `container`. opts: { title, x: 'run'|'time', onClick(run) }. Resolves to the axis painter
  // (kept as container.veloPainter) with container.veloPoints = the points drawn, by graph.
  async function trend(container, points, opts) {
    await loadJsroot();
    JSROOT.cleanup(container);
    container.replaceChildren();
    const time = opts.x === 'time';
    // Without a start time a point has no place on a time axis: left out, and said so.
    const shown = time ? points.filter((p) => Number.isFinite(p.time)) : points;
    const xOf = (p) => (time ? p.time / 1000 : p.run);
    let ymin = Infinity;
    let ymax = -Infinity;
    for (const p of shown) {
      ymin = Math.min(ymin, p.value);
      ymax = Math.max(ymax, p.value);
    }
    if (!shown.length) {
      ymin = 0;
      ymax = 1;
    }
    const dy = ymax > ymin ? 0.08 * (ymax - ymin) : Math.max(Math.abs(ymax) * 0.1, 1);
    const xs = shown.map(xOf);
    let xmin = shown.length ? Math.min(...xs) : 0;
    let xmax = shown.length ? Math.max(...xs) : 1;
    const dx = xmax > xmin ? 0.03 * (xmax - xmin) : 1;
    xmin -= dx;
    xmax += dx;
    const lo = ymin - dy;
    const hi = ymax + dy;
    const axes = axisHistogram(opts.title || '', time ? 'Run start (UTC)' : 'Run', opts.yTitle || '',
      xmin, xmax, lo, hi, time);
    const painter = await JSROOT.TH1Painter.draw(container, axes, 'AXIS');
    container.veloPainter = painter;
    // One graph per level, so that each has its colour; the points of each, by index.
    const byLevel = new Map();
    for (const p of shown) {
      const key = LEVEL_COLOURS[p.level] ? p.level : '';
      if (!byLevel.has(key)) byLevel.set(key, []);
      byLevel.get(key).push(p);
    }
    const drawn = new Map();
    for (const [level, list] of byLevel) {
      const g = graph(level || 'no level', list.map(xOf), list.map((p) => p.value), LEVEL_COLOURS[level]);
      const gp = await JSROOT.TGraphPainter.draw(container, g, 'P');
      // JSROOT's own tooltip, naming the run rather than x and y.
      gp.getTooltips = (d) => {
        const p = list[d.indx];
        const lines = [`Run ${p.run}`, `value = ${p.value}`, `level: ${p.level || 'none'}`];
        if (Number.isFinite(p.time)) lines.push(`start ${utc(p.time)} UTC`);
        return lines;
      };
      drawn.set(g, list);
    }
    const marks = changes(shown);
    // Polarity lines last: where both change at once, the blue one stays visible.
    for (const c of marks.slice().sort((a, b) => (a.kind === 'polarity') - (b.kind === 'polarity'))) {
      const x = (xOf(shown[c.index - 1]) + xOf(shown[c.index])) / 2;
      const colour = c.kind === 'polarity' ? POLARITY_COLOUR : REFERENCE_COLOUR;
      const g = graph(`${c.kind}: ${c.from} → ${c.to}`, [x, x], [lo, hi], colour);
      g.fLineStyle = 2;
      g.fLineWidth = 2;
      await JSROOT.TGraphPainter.draw(container, g, 'L');
    }
    if (opts.onClick) {
      painter.configureUserClickHandler((info) => {
        const list = info && drawn.get(info.obj);
        if (list && list[info.bin]) {
          opts.onClick(list[info.bin].run);
          return true;
        }
        return false;
      });
    }
    container.veloPoints = drawn;
    container.dataset.points = String(shown.length);
    return { painter, shown, marks, left: points.length - shown.length };
  }

  // The heat map: m = { runs, sensors, values[run][sensor] } (GET /api/dq/heatmap). Runs on
  // the y axis (oldest at the bottom), sensors on the x axis, one bin each (labelled).
  async function heatmap(container, m, opts) {
    await loadJsroot();
    JSROOT.cleanup(container);
    container.replaceChildren();
    const nx = m.sensors.length;
    const ny = m.runs.length;
    // TH2D: a TH2F's float32 bins would round the smallest value below the scale's minimum.
    const h = JSROOT.createHistogram('TH2D', nx, ny);
    h.fName = 'heatmap';
    h.fTitle = opts.title || '';
    h.fBits |= kNoStats;
    h.fXaxis.fXmin = 0;
    h.fXaxis.fXmax = nx;
    h.fYaxis.fXmin = 0;
    h.fYaxis.fXmax = ny;
    h.fXaxis.fTitle = 'Sensor';
    h.fYaxis.fTitle = 'Run';
    let min = Infinity;
    let max = -Infinity;
    m.values.forEach((row, iy) => row.forEach((v, ix) => {
      if (v === null || v === undefined) return;
      h.fArray[(ix + 1) + (nx + 2) * (iy + 1)] = v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }));
    if (Number.isFinite(min)) {
      // Empty cells stay white: the colour scale starts just below the smallest value.
      h.fMinimum = min - 1e-9 * Math.max(1, Math.abs(min));
      h.fMaximum = max;
    }
    h.fEntries = nx * ny;
    // Axis labels: every sensor, and the runs when they fit.
    const labels = (axis, names) => {
      axis.fLabels = JSROOT.create('THashList');
      names.forEach((n, i) => {
        const s = JSROOT.create('TObjString');
        s.fString = String(n);
        s.fUniqueID = i + 1;
        axis.fLabels.Add(s);
      });
    };
    labels(h.fXaxis, m.sensors);
    if (ny <= 60) labels(h.fYaxis, m.runs);
    const painter = await JSROOT.TH2Painter.draw(container, h, 'colz');
    container.veloPainter = painter;
    if (opts.onClick) {
      painter.configureUserClickHandler((info) => {
        if (!info || info.bin === undefined || info.bin < 0) return false;
        const ix = (info.bin % (nx + 2)) - 1;
        const iy = Math.floor(info.bin / (nx + 2)) - 1;
        if (ix < 0 || iy < 0 || ix >= nx || iy >= ny) return false;
        opts.onClick(m.runs[iy], m.sensors[ix], m.values[iy][ix]);
        return true;
      });
    }
    return painter;
  }

  async function fetchJson(url) {
    const res = await fetch(url);
    let body = null;
    try {
      body = await res.json();
    } catch (_) { /* not JSON: the status says enough */ }
    if (!res.ok) throw new Error((body && body.message) || `${res.status} ${res.statusText}`);
    return body;
  }

  window.VeloDqPlot = { loadJsroot, trend, heatmap, changes, el, utc, fetchJson };
})();
