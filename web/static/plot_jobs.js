// Queues the run view's plot jobs from the page's head, while the page is still being parsed.
//
// In a fresh browser the page's external scripts run only 250-350 ms after the navigation (their
// requests wait behind the page's own; the deferred ones run after the first layout and paint),
// and the jobs' answers were then the next wait. This script is carried inline in the head
// (velo-web allows it by its hash in the Content-Security-Policy, as it allows no other inline
// script) and posts the jobs at once; velo_monitor.js takes the answers up
// (`window.veloPlotJobs.take`) and posts a job itself only if this one has not.
// The page's plots are in the script tag's `data-jobs` (name, run, sensor, anchor); the open
// tab's plot is the one the URL's hash names, else the first, as velo_monitor.js decides.
'use strict';

(function () {
  const TASK = 'runview.plots.get_run_plot';
  const script = document.currentScript;
  const posted = new Map();

  // The same key for the same job whoever builds it.
  function keyOf(args) {
    return [args.reference ? 'reference' : 'plot', args.name, args.run, args.sensor].join('\u0000');
  }

  function post(args) {
    const res = fetch('/jobs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ task_name: TASK, args: args }),
    });
    // A failure is velo_monitor.js's to report, when it takes the job up.
    res.catch(() => {});
    posted.set(keyOf(args), res);
  }

  // velo_monitor.js asks here first: the POST's response promise, once, or undefined.
  function take(args) {
    const key = keyOf(args);
    const res = posted.get(key);
    posted.delete(key);
    return res;
  }

  // Should velo_monitor.js have run first, it has posted everything itself.
  if (window.veloPlotJobs) return;
  let plots = [];
  try {
    plots = JSON.parse((script && script.dataset.jobs) || '[]');
  } catch (_) {
    return;
  }
  let hash = '';
  try {
    hash = decodeURIComponent(window.location.hash.replace(/^#\/?/, ''));
  } catch (_) { /* as velo_monitor.js: a malformed hash opens the first tab */ }
  // Only the open tab's plot and its reference: a browser keeps six connections to a server
  // (HTTP/1.1), and the page's own scripts and style sheet must not queue behind the others.
  const open = plots.find((p) => p.anchor === hash) || plots[0];
  if (open) {
    const args = { name: open.name, run: open.run, sensor: open.sensor };
    post(Object.assign({ reference: true }, args));
    post(args);
  }
  window.veloPlotJobs = { take };
})();
