// A first picture of a plot result, drawn with the browser's own SVG in a few milliseconds.
//
// JSROOT is 600 kB of script: in a fresh browser, compiling it and its first drawing take longer
// than everything else on the run view together. The open tab's plot is sketched as soon as its
// answer is in, and JSROOT's interactive drawing replaces the sketch when it is ready. When JSROOT
// cannot be loaded at all, the sketches are what the page keeps.
//
// The layout follows JSROOT's defaults for a histogram in a pad (ROOT's gStyle: 10 % margins, a
// centred title, the statistics box top right, the same y range rule), so that the swap changes
// little on screen. Names and titles come from ROOT files: they only reach the SVG as text nodes.
'use strict';

(function () {
  const NS = 'http://www.w3.org/2000/svg';
  const MARGIN = 0.1;
  const FONT = 'Arial, Helvetica, sans-serif';
  const COLOURS = { 1: '#000', 2: '#f00' };
  // ROOT's kBird palette (JSROOT's default, 57): the colours of its nine stops.
  const BIRD = [
    [0.2082, 0.1664, 0.5293], [0.0592, 0.3599, 0.8684], [0.078, 0.5041, 0.8385],
    [0.0232, 0.6419, 0.7914], [0.1802, 0.7178, 0.6425], [0.5301, 0.7492, 0.4662],
    [0.8186, 0.7328, 0.3499], [0.9956, 0.7862, 0.1968], [0.9764, 0.9832, 0.0539],
  ];

  function node(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (parent) parent.append(e);
    return e;
  }

  function text(parent, x, y, content, attrs) {
    const t = node('text', Object.assign({ x, y, 'font-family': FONT }, attrs), parent);
    t.textContent = content;
    return t;
  }

  // Ticks at 1, 2 or 5 times a power of ten, about `count` of them between lo and hi.
  function ticks(lo, hi, count) {
    const span = hi - lo;
    if (!(span > 0) || !Number.isFinite(span)) return { values: [lo], step: 1 };
    let step = Math.pow(10, Math.floor(Math.log10(span / count)));
    for (const m of [1, 2, 5, 10]) {
      if (span / (step * m) <= count) {
        step *= m;
        break;
      }
    }
    const values = [];
    for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
      values.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return { values, step };
  }

  // As JSROOT labels: no trailing zeros, exponents for very large or small values.
  function tickLabel(v, step) {
    if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) {
      const digits = Math.max(0, Math.round(Math.log10(Math.abs(v) / step)));
      return v.toExponential(Math.min(digits, 6)).replace(/\.?0+e/, 'e');
    }
    return String(Number(v.toFixed(Math.min(12, Math.max(0, -Math.floor(Math.log10(step) + 1e-9))))));
  }

  // ROOT's "%6.4g" of the statistics box.
  function stat(v) {
    return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : String(v);
  }

  function edgesOf(binning) {
    const edges = binning.map((b) => b[0]);
    edges.push(binning[binning.length - 1][1]);
    return edges;
  }

  // One 1D series: its bin edges, contents and symmetric errors (as the page gives JSROOT).
  function series(result, colour, showErrors) {
    const d = result.data;
    return {
      edges: edgesOf(d.binning),
      values: d.values,
      errors: d.values.map((_, i) => (d.uncertainties ? (d.uncertainties[i][0] + d.uncertainties[i][1]) / 2 : 0)),
      showErrors,
      colour,
    };
  }

  // With an overlay, the page fixes the maximum so that both fit, errors included.
  function overlayMaximum(all) {
    let m = -Infinity;
    for (const s of all) s.values.forEach((v, i) => { m = Math.max(m, v + s.errors[i]); });
    return 1.05 * m;
  }

  // JSROOT's y range (TH1Painter.scanContent): the contents (with their errors when drawn), 5 %
  // head room, and no lower than zero when none is negative; a fixed maximum is taken as it is.
  function yRange(all, maximum) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of all) {
      s.values.forEach((v, i) => {
        const e = s.showErrors ? s.errors[i] : 0;
        lo = Math.min(lo, v - e);
        hi = Math.max(hi, v + e);
      });
    }
    if (maximum !== null) hi = Math.max(hi, maximum);
    if (!(hi > lo)) return lo === 0 || !Number.isFinite(lo) ? [0, 1] : lo < 0 ? [2 * lo, 0] : [0, 2 * lo];
    const positive = lo >= 0;
    lo -= 0.05 * (hi - lo);
    if (positive && lo < 0) lo = 0;
    if (maximum === null) hi += 0.05 * (hi - lo);
    return [lo, hi];
  }

  // An axis from `lo` to `hi` drawn from pixel `p0` to `p1`.
  function scale(lo, hi, p0, p1) {
    return { lo, hi, px: (v) => p0 + ((v - lo) / (hi - lo)) * (p1 - p0) };
  }

  function frameOf(width, height) {
    return { x0: width * MARGIN, x1: width * (1 - MARGIN), y0: height * MARGIN, y1: height * (1 - MARGIN) };
  }

  function axes(svg, f, x, y, titles, size) {
    const g = node('g', { class: 'sketch-axes', stroke: '#000', 'stroke-width': 1, fill: 'none' }, svg);
    node('rect', { x: f.x0, y: f.y0, width: f.x1 - f.x0, height: f.y1 - f.y0 }, g);
    const labels = node('g', { 'font-size': size, fill: '#000', stroke: 'none' }, svg);
    const xt = ticks(x.lo, x.hi, Math.max(2, Math.floor((f.x1 - f.x0) / 70)));
    const tick = 0.03 * (f.y1 - f.y0);
    let d = '';
    for (const v of xt.values) {
      const px = x.px(v);
      d += `M${px.toFixed(1)},${f.y1}v${-tick}`;
      text(labels, px, f.y1 + size * 1.2, tickLabel(v, xt.step), { 'text-anchor': 'middle' });
    }
    const yt = ticks(y.lo, y.hi, Math.max(2, Math.floor((f.y1 - f.y0) / 45)));
    for (const v of yt.values) {
      const py = y.px(v);
      d += `M${f.x0},${py.toFixed(1)}h${tick}`;
      text(labels, f.x0 - size * 0.4, py + size * 0.35, tickLabel(v, yt.step), { 'text-anchor': 'end' });
    }
    node('path', { d }, g);
    if (titles[0]) text(labels, f.x1, f.y1 + size * 2.3, titles[0], { 'text-anchor': 'end' });
    if (titles[1]) {
      text(labels, 0, 0, titles[1], { 'text-anchor': 'end', transform: `translate(${Math.max(size, f.x0 - size * 3.3)},${f.y0}) rotate(-90)` });
    }
  }

  // A step line through the bins, or markers with error bars; wider than the frame, a pixel
  // column's bins are drawn as one vertical stroke (as JSROOT does).
  function draw1d(svg, s, x, y, markers) {
    let d = '';
    if (markers) {
      // Dots as zero-length round-capped strokes: one path for all markers, one for the bars.
      let dots = '';
      for (let i = 0; i < s.values.length; i++) {
        const px = x.px((s.edges[i] + s.edges[i + 1]) / 2).toFixed(1);
        const v = s.values[i];
        const e = s.errors[i];
        if (e > 0) d += `M${px},${y.px(v + e).toFixed(1)}V${y.px(v - e).toFixed(1)}`;
        dots += `M${px},${y.px(v).toFixed(1)}h0`;
      }
      node('path', { class: 'sketch-markers', d: dots, stroke: COLOURS[s.colour], 'stroke-width': 5, 'stroke-linecap': 'round' }, svg);
    } else {
      let column = null;
      let lo = 0;
      let hi = 0;
      const flush = () => {
        if (column !== null && hi - lo > 0.5) d += `M${column},${lo.toFixed(1)}V${hi.toFixed(1)}`;
      };
      d = `M${x.px(s.edges[0]).toFixed(1)},${y.px(Math.max(y.lo, 0)).toFixed(1)}`;
      for (let i = 0; i < s.values.length; i++) {
        const py = y.px(s.values[i]);
        const a = Math.round(x.px(s.edges[i]));
        const b = Math.round(x.px(s.edges[i + 1]));
        if (a === b) {
          if (column !== a) {
            flush();
            column = a;
            lo = hi = py;
            d += `L${a},${py.toFixed(1)}`;
          }
          lo = Math.min(lo, py);
          hi = Math.max(hi, py);
        } else {
          flush();
          column = null;
          d += `L${a},${py.toFixed(1)}H${b}`;
        }
      }
      flush();
    }
    node('path', { class: 'sketch-series', d, fill: 'none', stroke: COLOURS[s.colour], 'stroke-width': 1 }, svg);
  }

  function draw2d(svg, d, f) {
    const nx = d.xbinning.length;
    const ny = d.ybinning.length;
    let lo = Infinity;
    let hi = -Infinity;
    d.values.forEach((col) => col.forEach((v) => {
      if (v !== 0) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }));
    // JSROOT's colour scale starts at zero for positive contents.
    lo = Math.min(0, lo);
    const canvas = document.createElement('canvas');
    canvas.width = nx;
    canvas.height = ny;
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(nx, ny);
    d.values.forEach((col, ix) => col.forEach((v, iy) => {
      if (v === 0) return;
      const t = hi > lo ? (v - lo) / (hi - lo) : 0.5;
      const k = Math.min(BIRD.length - 2, Math.floor(t * (BIRD.length - 1)));
      const u = t * (BIRD.length - 1) - k;
      const p = 4 * ((ny - 1 - iy) * nx + ix);
      for (let c = 0; c < 3; c++) image.data[p + c] = Math.round(255 * (BIRD[k][c] + u * (BIRD[k + 1][c] - BIRD[k][c])));
      image.data[p + 3] = 255;
    }));
    ctx.putImageData(image, 0, 0);
    node('image', {
      href: canvas.toDataURL(), x: f.x0, y: f.y0, width: f.x1 - f.x0, height: f.y1 - f.y0,
      preserveAspectRatio: 'none', style: 'image-rendering: pixelated',
    }, svg);
  }

  function statsBox(svg, result, width, height, size) {
    const d = result.data;
    const rows = [['Entries', d.entries], ['Mean', d.mean], ['Std Dev', d.rms]];
    const w = 0.2 * width;
    const h = 0.16 * height;
    const x = 0.98 * width - w;
    const y = 0.065 * height;
    const line = h / (rows.length + 1);
    const g = node('g', { class: 'sketch-stats', 'font-size': Math.round(size * 0.95) }, svg);
    node('rect', { x, y, width: w, height: h, fill: '#fff', stroke: '#000' }, g);
    node('path', { d: `M${x},${y + line}h${w}`, stroke: '#000' }, g);
    // Cut as JSROOT cuts a name too long for the box.
    const room = Math.max(4, Math.floor((0.95 * w) / (0.55 * size)));
    const name = String(result.name);
    text(g, x + w / 2, y + line * 0.8, name.length > room ? name.slice(0, room - 3) + '...' : name, { 'text-anchor': 'middle' });
    rows.forEach(([label, value], i) => {
      text(g, x + 0.05 * w, y + line * (i + 1.8), label, {});
      text(g, x + 0.95 * w, y + line * (i + 1.8), stat(value), { 'text-anchor': 'end' });
    });
  }

  // Draw `result` (and `reference`, a 1D overlay, or null) into `container`, above whatever it
  // holds; returns the sketch's element, which the caller removes once the real drawing is in.
  function sketch(container, result, reference, options) {
    const width = container.clientWidth;
    const height = container.clientHeight;
    const box = document.createElement('div');
    box.className = 'plot-sketch';
    const svg = node('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' }, box);
    node('title', {}, svg).textContent = String(result.title);
    const f = frameOf(width, height);
    const size = Math.max(10, Math.round(0.035 * height));
    const d = result.data;
    const titles = d.axis_titles || ['', ''];
    let x;
    let y;
    if (d.xbinning) {
      const xe = edgesOf(d.xbinning);
      const ye = edgesOf(d.ybinning);
      x = scale(xe[0], xe[xe.length - 1], f.x0, f.x1);
      y = scale(ye[0], ye[ye.length - 1], f.y1, f.y0);
      draw2d(svg, d, f);
    } else {
      const profile = String(result.object_class).startsWith('TProfile');
      const errors = profile || Boolean(options.showUncertainties);
      const all = [series(result, 1, errors)];
      if (reference) all.push(series(reference, 2, errors));
      const [lo, hi] = yRange(all, reference ? overlayMaximum(all) : null);
      const edges = all[0].edges;
      x = scale(edges[0], edges[edges.length - 1], f.x0, f.x1);
      y = scale(lo, hi, f.y1, f.y0);
      all.forEach((s) => draw1d(svg, s, x, y, profile));
    }
    axes(svg, f, x, y, titles, size);
    text(svg, width / 2, f.y0 * 0.55, String(result.title), { 'text-anchor': 'middle', 'font-size': Math.round(size * 1.3) });
    if (!d.xbinning) statsBox(svg, result, width, height, size);
    container.append(box);
    return box;
  }

  window.veloSketch = sketch;
})();
