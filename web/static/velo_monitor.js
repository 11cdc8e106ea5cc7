// VELO monitor pages: dialogs, run view tabs, and one job per plot drawn with JSROOT.
//
// Everything shown from a plot result (names, titles, messages) comes from ROOT files or URLs
// and is untrusted: it only ever reaches the page through textContent or JSROOT's SVG text.
'use strict';

(function () {
  const TASK = 'runview.plots.get_run_plot';
  // The JSROOT bundle's versioned URL, from the page (it changes with the file's content).
  const JSROOT_URL = document.currentScript && document.currentScript.dataset.jsroot;
  // Long-poll length for each GET /jobs/{id}?wait=: the answer comes as soon as the job ends.
  const WAIT_SECONDS = 20;
  // How long a plot waits for the job queue while velo-web says it is away (503: Redis
  // restarting), asking again with pauses doubling from 0.5 s to 5 s, before it shows the error.
  const QUEUE_PATIENCE_MS = 120000;

  // --- dialogs (run selector, VELO layout) ---------------------------------------------------
  function setupDialogs() {
    document.querySelectorAll('[data-dialog]').forEach((opener) => {
      const dialog = document.getElementById(opener.dataset.dialog);
      if (!dialog) return;
      opener.addEventListener('click', (e) => {
        e.preventDefault();
        dialog.showModal();
      });
    });
    document.querySelectorAll('dialog [data-close]').forEach((b) => {
      b.addEventListener('click', () => b.closest('dialog').close());
    });
    // Picking a nearby run fills the run field, which is what the server reads first.
    const nearby = document.getElementById('nearby-runs');
    const field = document.getElementById('run-field');
    if (nearby && field) nearby.addEventListener('change', () => { field.value = nearby.value; });
  }

  // --- tabs --------------------------------------------------------------------------------
  function setupTabs() {
    const links = Array.from(document.querySelectorAll('.run-view-tab a'));
    if (links.length === 0) return;
    const show = (id) => {
      links.forEach((a) => {
        const on = a.dataset.pane === id;
        a.parentElement.classList.toggle('active', on);
        a.setAttribute('aria-selected', on ? 'true' : 'false');
        document.getElementById(a.dataset.pane).classList.toggle('active', on);
      });
    };
    // Any URL can be typed or linked: a hash that is not a pane (or not even valid
    // percent-encoding, such as '#/%') opens the first tab.
    const fromHash = () => {
      let id;
      try {
        id = decodeURIComponent(window.location.hash.replace(/^#\/?/, ''));
      } catch (_) {
        id = '';
      }
      return links.some((a) => a.dataset.pane === id) ? id : links[0].dataset.pane;
    };
    // The hash is '#/id' rather than '#id' so that the browser does not jump to the pane.
    links.forEach((a) => a.addEventListener('click', (e) => {
      e.preventDefault();
      history.replaceState(null, '', '#/' + a.dataset.pane);
      show(a.dataset.pane);
    }));
    window.addEventListener('hashchange', () => show(fromHash()));
    document.body.classList.add('tabs-ready');
    show(fromHash());
  }

  // --- jobs --------------------------------------------------------------------------------
  async function messageOf(res) {
    try {
      const body = await res.json();
      if (body && body.message) return body.message;
    } catch (_) { /* not JSON */ }
    return 'HTTP ' + res.status;
  }

  function postJob(args) {
    return fetch('/jobs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ task_name: TASK, args: args }),
    });
  }

  // `request()` again while its answer is 503 (the job queue away for a moment), for up to
  // QUEUE_PATIENCE_MS in all; `waiting` hears the server's message each time.
  async function patiently(first, request, waiting) {
    let res = await first;
    let pause = 500;
    const giveUp = Date.now() + QUEUE_PATIENCE_MS;
    while (res.status === 503 && Date.now() < giveUp) {
      if (waiting) waiting(await messageOf(res));
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 5000);
      res = await request();
    }
    if (waiting) waiting(null);
    return res;
  }

  // Submit one job and follow it to its end; resolves to the job's result. The job is queued at
  // once, but its answer is read only once `gate` resolves: a hidden tab's plot (a cached result
  // comes back whole, up to 200 kB of JSON) then does not take the main thread from the open
  // tab's plot while that one draws.
  async function runJob(args, gate, waiting) {
    // The open tab's jobs were posted by plot_jobs.js, from the page's head.
    let res = await patiently(window.veloPlotJobs.take(args) || postJob(args), () => postJob(args), waiting);
    await gate;
    if (res.status !== 201) throw new Error(await messageOf(res));
    let job = (await res.json()).job;
    while (job.status === 'queued' || job.status === 'started') {
      const poll = () => fetch('/jobs/' + encodeURIComponent(job.id) + '?wait=' + WAIT_SECONDS);
      res = await patiently(poll(), poll, waiting);
      if (!res.ok) throw new Error(await messageOf(res));
      job = (await res.json()).job;
    }
    if (job.status !== 'finished') {
      const r = job.result;
      throw new Error((r && r.message) || job.message || 'the job ' + job.status);
    }
    return job.result;
  }

  // --- JSROOT objects from plot results -------------------------------------------------------
  function setAxis(axis, binning, title) {
    const edges = binning.map((b) => b[0]);
    edges.push(binning[binning.length - 1][1]);
    axis.fNbins = binning.length;
    axis.fXmin = edges[0];
    axis.fXmax = edges[edges.length - 1];
    const width = (axis.fXmax - axis.fXmin) / binning.length;
    const uniform = binning.every((b) => Math.abs(b[1] - b[0] - width) <= 1e-9 * Math.abs(width));
    axis.fXbins = uniform ? [] : edges;
    axis.fTitle = title || '';
  }

  // The objects JSROOT's painters draw, as its `create` makes them: the page loads only the
  // histogram painters' bundle, which has no object factory of its own.
  function newAxis(nbins) {
    return {
      _typename: 'TAxis', fUniqueID: 0, fBits: 0, fName: '', fTitle: '',
      fNdivisions: 510, fAxisColor: 1, fLabelColor: 1, fLabelFont: 42, fLabelOffset: 0.005,
      fLabelSize: 0.035, fTickLength: 0.03, fTitleOffset: 1, fTitleSize: 0.035, fTitleColor: 1,
      fTitleFont: 42, fNbins: nbins, fXmin: 0, fXmax: nbins, fXbins: [], fFirst: 0, fLast: 0,
      fBits2: 0, fTimeDisplay: false, fTimeFormat: '', fLabels: null, fModLabs: null,
    };
  }

  function newHistogram(typename, nx, ny) {
    const cells = ny ? (nx + 2) * (ny + 2) : nx + 2;
    const h = {
      _typename: typename, fUniqueID: 0, fBits: 8, fName: '', fTitle: '',
      fLineColor: 602, fLineStyle: 1, fLineWidth: 1, fFillColor: 0, fFillStyle: 1001,
      fMarkerColor: 1, fMarkerStyle: 1, fMarkerSize: 1, fNcells: cells,
      fXaxis: newAxis(nx), fYaxis: newAxis(ny || 1), fZaxis: newAxis(1),
      fBarOffset: 0, fBarWidth: 1000, fEntries: 0, fTsumw: 0, fTsumw2: 0, fTsumwx: 0, fTsumwx2: 0,
      fMaximum: -1111, fMinimum: -1111, fNormFactor: 0, fContour: [], fSumw2: [], fOption: '',
      fFunctions: { _typename: 'TList', name: 'TList', arr: [], opt: [] },
      fBufferSize: 0, fBuffer: [], fBinStatErrOpt: 0, fStatOverflows: 2,
    };
    if (!ny) h.fYaxis.fXmax = 1;
    if (ny) Object.assign(h, { fScalefactor: 1, fTsumwy: 0, fTsumwy2: 0, fTsumwxy: 0 });
    // parse() gives every object its JSROOT methods; the bin array is added after, so that it
    // does not walk it.
    const parsed = JSROOT.parse(h);
    parsed.fArray = new Float64Array(cells);
    return parsed;
  }

  function buildHistogram(result, style) {
    const d = result.data;
    const cls = String(result.object_class);
    const titles = d.axis_titles || ['', ''];
    let h;
    if (d.xbinning) {
      h = newHistogram('TH2D', d.xbinning.length, d.ybinning.length);
      setAxis(h.fXaxis, d.xbinning, titles[0]);
      setAxis(h.fYaxis, d.ybinning, titles[1]);
      const nx = d.xbinning.length;
      d.values.forEach((col, ix) => col.forEach((v, iy) => {
        h.fArray[(ix + 1) + (nx + 2) * (iy + 1)] = v;
      }));
    } else {
      const n = d.binning.length;
      h = newHistogram('TH1D', n);
      setAxis(h.fXaxis, d.binning, titles[0]);
      h.fYaxis.fTitle = titles[1] || '';
      h.fArray[0] = d.underflow || 0;
      h.fArray[n + 1] = d.overflow || 0;
      h.fSumw2 = new Array(n + 2).fill(0);
      d.values.forEach((v, i) => {
        h.fArray[i + 1] = v;
        const u = d.uncertainties ? d.uncertainties[i] : [0, 0];
        const e = (u[0] + u[1]) / 2;
        h.fSumw2[i + 1] = e * e;
      });
      // JSROOT's statistics box reads these sums when the axis is not zoomed: chosen so that it
      // shows the mean and RMS ROOT computed, not values re-derived from the bins.
      h.fTsumw = 1;
      h.fTsumw2 = 1;
      h.fTsumwx = d.mean;
      h.fTsumwx2 = d.rms * d.rms + d.mean * d.mean;
    }
    h.fName = String(result.name);
    h.fTitle = String(result.title);
    h.fEntries = d.entries;
    h.fLineColor = style.color;
    h.fMarkerColor = style.color;
    h.fMarkerStyle = 20;
    h.fMarkerSize = 0.6;
    return { hist: h, is2d: Boolean(d.xbinning), isProfile: cls.startsWith('TProfile') };
  }

  function drawOption(built, options, overlay) {
    if (built.is2d) return 'colz';
    const base = built.isProfile ? 'E1 P' : (options.showUncertainties ? 'E1' : 'hist');
    return overlay ? base + ' same' : base;
  }

  // --- one plot ----------------------------------------------------------------------------
  // `retry`, when given: a button that loads the plot again.
  function errorBox(container, name, message, retry) {
    container.replaceChildren();
    const box = document.createElement('div');
    box.className = 'alert alert-danger plot-error';
    const p = document.createElement('p');
    p.append('There was a problem retrieving plot ');
    const code = document.createElement('code');
    code.textContent = name;
    p.append(code, '. Please contact the administrator. Error message:');
    const msg = document.createElement('p');
    msg.className = 'plot-error-message';
    msg.textContent = message;
    box.append(p, msg);
    if (retry) {
      const again = document.createElement('button');
      again.type = 'button';
      again.className = 'btn btn-secondary plot-retry';
      again.textContent = 'Try again';
      again.addEventListener('click', () => {
        container.classList.remove('failed');
        retry();
      });
      box.append(again);
    }
    container.append(box);
    container.classList.add('failed');
  }

  // Under the spinner, why the plot is still waiting (`message`), or nothing (null).
  function waitingNote(container, message) {
    let note = container.querySelector('.plot-waiting');
    if (message === null) {
      if (note) note.remove();
      return;
    }
    if (!note) {
      note = document.createElement('p');
      note.className = 'plot-waiting';
      note.setAttribute('role', 'status');
      container.append(note);
    }
    note.textContent = message + ' (asking again)';
  }

  function spinner(container) {
    const s = document.createElement('div');
    s.className = 'spinner';
    s.setAttribute('role', 'status');
    s.setAttribute('aria-label', 'Loading plot');
    container.replaceChildren(s);
  }

  function maximum(h) {
    let m = -Infinity;
    const n = h.fXaxis.fNbins;
    for (let i = 1; i <= n; i++) m = Math.max(m, h.fArray[i] + Math.sqrt(h.fSumw2[i] || 0));
    return m;
  }

  async function draw(container, nominal, reference, options, showReference) {
    // A sketch stays on top until JSROOT's drawing is complete, so the plot never blinks out.
    const sketch = container.querySelector(':scope > .plot-sketch');
    JSROOT.cleanup(container);
    container.replaceChildren(...(sketch ? [sketch] : []));
    // An overlay is drawn in the first histogram's frame: make the frame tall enough for both.
    const both = reference && showReference;
    nominal.hist.fMaximum = both ? 1.05 * Math.max(maximum(nominal.hist), maximum(reference.hist)) : -1111;
    container.veloPainter = await painterOf(nominal).draw(container, nominal.hist, drawOption(nominal, options, false));
    if (reference && showReference) {
      await painterOf(reference).draw(container, reference.hist, drawOption(reference, options, true));
    }
    if (sketch) sketch.remove();
  }

  function painterOf(built) {
    return built.is2d ? JSROOT.TH2Painter : JSROOT.TH1Painter;
  }

  function referenceToggle(pane, run, redraw) {
    const label = document.createElement('label');
    label.className = 'reference-toggle';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = true;
    const text = document.createElement('span');
    text.textContent = Number.isInteger(run) ? `Show reference run (#${run})` : 'Show reference run';
    label.append(box, ' ', text);
    box.addEventListener('change', () => redraw(box.checked));
    pane.querySelector('.plot').after(label);
  }

  // The quick SVG picture of a result (plot_sketch.js) in place of the spinner, drawn once the
  // container is shown (a hidden tab's has no size to draw in).
  function sketchPlot(container, result, refResult, options) {
    const go = () => {
      if (container.querySelector(':scope > .plot-sketch') || container.classList.contains('drawn') || !window.veloSketch) return;
      container.querySelectorAll('.spinner').forEach((e) => e.remove());
      window.veloSketch(container, result.data, refResult ? refResult.data : null, options);
      container.classList.add('sketched');
      if (window.veloFirstPaint === undefined) window.veloFirstPaint = performance.now();
    };
    if (container.clientWidth > 0) {
      go();
      return;
    }
    const watch = new ResizeObserver(() => {
      if (container.clientWidth === 0) return;
      watch.disconnect();
      go();
    });
    watch.observe(container);
  }

  // `turn` resolves when this plot may draw: JSROOT is loaded and the plots before it are drawn;
  // `gate` when its jobs' answers may be read (see runJob). `answered` (the open tab's plot only)
  // is called once its answers are in and it is sketched: on a first visit JSROOT's compilation,
  // which holds the main thread for a few hundred ms, starts then (see loadJsroot).
  async function loadPlot(container, turn, gate, answered) {
    const name = container.dataset.name;
    const title = container.dataset.title || name;
    const options = JSON.parse(container.dataset.options || '{}');
    const args = {
      name: name,
      run: Number(container.dataset.run),
      sensor: Number(container.dataset.sensor),
    };
    spinner(container);
    container.classList.remove('sketched');
    container.parentElement.querySelectorAll('.reference-note, .reference-toggle, .sketch-note').forEach((e) => e.remove());
    // The reference run's plot is a job of its own; a run without a reference simply has none.
    const refJob = runJob(Object.assign({ reference: true }, args), gate).catch(() => null);
    let result;
    try {
      result = await runJob(args, gate, (message) => waitingNote(container, message));
    } catch (e) {
      failed(container, e.message);
      return;
    }
    if (!result || result.success !== true) {
      failed(container, (result && result.message) || 'no result');
      return;
    }
    const refResult = await refJob;
    const is2d = Boolean(result.data.data.xbinning);
    const overlay = !is2d && refResult && refResult.success === true && !refResult.data.data.xbinning ? refResult : null;
    if (!is2d && refResult && refResult.success === false) {
      // Say why there is no overlay (typically: no reference run configured for this run).
      const note = document.createElement('p');
      note.className = 'reference-note';
      note.textContent = 'No reference plot: ' + refResult.message;
      container.after(note);
    }
    if (answered) {
      sketchPlot(container, result, overlay, options);
      answered();
    }
    try {
      await turn;
    } catch (e) {
      // Without JSROOT the sketch is the plot, and the page says what is missing.
      sketchPlot(container, result, overlay, options);
      const note = document.createElement('p');
      note.className = 'sketch-note';
      note.textContent = 'Interactive drawing unavailable (' + e.message + '): a plain picture is shown.';
      container.after(note);
      return;
    }
    const nominal = buildHistogram(result.data, { color: 1 });
    let reference = null;
    if (overlay) {
      reference = buildHistogram(overlay.data, { color: 2 });
      reference.hist.fTitle = 'Reference';
    }
    const drawStart = performance.now();
    try {
      await draw(container, nominal, reference, options, true);
      // Visible in the browser's performance timeline, for profiling a slow page.
      performance.measure('velo draw ' + name, { start: drawStart });
    } catch (e) {
      errorBox(container, title, 'drawing failed: ' + e.message);
      return;
    }
    container.classList.remove('sketched');
    container.classList.add('drawn');
    if (reference) {
      referenceToggle(container.closest('.run-view-pane'), overlay.data.run, (on) => {
        draw(container, nominal, reference, options, on);
      });
    }
  }

  // Whether the browser had JSROOT's bundle cached (the page's preload of it came from the
  // cache): V8 then has its compiled code too, and running it takes tens of ms, not hundreds.
  function jsrootCached() {
    if (!JSROOT_URL) return false;
    const entry = performance.getEntriesByName(new URL(JSROOT_URL, window.location.href).href)[0];
    return Boolean(entry && entry.transferSize === 0 && entry.decodedBodySize > 0);
  }

  // A first visit evaluates JSROOT once the open tab's answers are in and sketched (the page
  // preloads the file meanwhile): its compilation then does not hold up the sketch. With JSROOT
  // cached it is evaluated at once, and usually draws before a sketch would be needed.
  function loadJsroot() {
    return new Promise((resolve, reject) => {
      if (!JSROOT_URL) {
        reject(new Error('the page names no JSROOT library'));
        return;
      }
      const s = document.createElement('script');
      s.src = JSROOT_URL;
      s.onload = () => {
        // Histograms of thousands of bins (BCID, strips) drawn a pixel column at a time, as JSROOT
        // does by itself only from 50,000 bins: the same picture from fewer SVG segments. Zoomed
        // in to fewer bins than pixels, every bin is drawn again.
        JSROOT.settings.OptimizeDraw = 2;
        resolve();
      };
      s.onerror = () => reject(new Error('the JSROOT library did not load (run `npm ci` in web)'));
      document.head.append(s);
    });
  }

  // JSROOT's loading, once the page has started it (see loadPlots).
  let jsrootLoad = null;

  // The plot could not be had: its error box, with a "Try again" button that loads it anew, as
  // the page's last.
  function failed(container, message) {
    errorBox(container, container.dataset.title || container.dataset.name, message, () => {
      loadPlot(container, jsrootLoad || loadJsroot(), null, null).catch((e) => failed(container, String(e && e.message)));
    });
  }

  // Every plot of the page at once; `velo:plots-done` tells tests and timings when all are in.
  // The open tab's plot goes first: its job is queued first, it is sketched as soon as its answer
  // is in (`veloFirstPaint` marks when), and JSROOT draws it before the others
  // (`veloFirstPlotDone`).
  async function loadPlots() {
    // Where the head's plot_jobs.js did not run, every job is posted here.
    if (!window.veloPlotJobs) window.veloPlotJobs = { take: () => undefined };
    const plots = Array.from(document.querySelectorAll('.plot'));
    if (plots.length === 0) return;
    const open = plots.filter((p) => p.closest('.run-view-pane.active'));
    const ordered = open.concat(plots.filter((p) => !open.includes(p)));
    let answered;
    const sketched = new Promise((resolve) => { answered = resolve; });
    const jsroot = jsrootCached() ? loadJsroot() : sketched.then(loadJsroot);
    jsroot.catch(() => {}); // each plot reports the failure itself
    jsrootLoad = jsroot;
    let turn = jsroot;
    let gate = null;
    const loads = ordered.map((p, i) => {
      const load = loadPlot(p, turn, gate, i === 0 ? answered : null).catch((e) => failed(p, String(e && e.message)));
      if (i === 0) {
        // Whatever became of the open tab's jobs, JSROOT is loaded for the others.
        load.then(answered);
        const first = load.then(() => {
          window.veloFirstPlotDone = performance.now();
          if (window.veloFirstPaint === undefined) window.veloFirstPaint = window.veloFirstPlotDone;
        });
        // The others wait for the first, whether it drew or failed.
        turn = Promise.all([jsroot, first]);
        turn.catch(() => {}); // awaited by each plot once its answers are in
        gate = first;
      }
      return load;
    });
    await Promise.all(loads);
    window.veloPlotsDone = performance.now();
    document.dispatchEvent(new CustomEvent('velo:plots-done'));
  }

  window.addEventListener('resize', () => {
    if (typeof JSROOT === 'undefined') return;
    document.querySelectorAll('.run-view-pane.active .plot.drawn').forEach((p) => {
      if (p.veloPainter) p.veloPainter.checkResize(true);
    });
  });

  // Each part on its own: one that fails (whatever the URL holds) does not stop the others.
  [setupDialogs, setupTabs, loadPlots].forEach((part) => {
    try {
      const r = part();
      if (r && r.catch) r.catch((e) => console.error('velo monitor:', e));
    } catch (e) {
      console.error('velo monitor:', e);
    }
  });
})();
