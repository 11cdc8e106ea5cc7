// Time from navigation to the open tab's plot first seen (sketched, or drawn by JSROOT), to it
// drawn by JSROOT, and to the last plot drawn on a five-plot run view page, in headless
// Chromium against the real stack: cold loads (each in a fresh browser context: empty HTTP and
// code caches, as a shifter's first visit) and warm loads (one context, reloading). Usage
// (release binaries, as deployed):
//   cargo build --release --workspace --bins
//   VELO_BIN_DIR=target/release node web/tests/browser/timing.mjs [loads] [workers] [uncached]
// With `uncached`, the run file's modification time changes before each load, so that the jobs'
// result cache misses and every plot is decoded again (a shifter first to open a fresh run).
// Timings live here, not in the tests.

import fs from 'node:fs';
import { startStack, runFile, RUNS } from './stack.mjs';

const loads = Number(process.argv[2] || 20);
const workers = Number(process.argv[3] || 2);
const uncached = process.argv[4] === 'uncached';
const stack = await startStack({ workers });
try {
  const url = `${stack.base}/run_view/${RUNS[0]}/occupancy/0`;
  let stamp = Date.now() / 1000;
  // One load of the page: { all, first } in ms from the navigation's start (performance.now()).
  const measure = async (page) => {
    if (uncached) {
      stamp += 1;
      fs.utimesSync(runFile(stack.dataDir, RUNS[0]), stamp, stamp);
    }
    await page.goto(url);
    await page.waitForFunction(() => window.veloPlotsDone !== undefined, null, { timeout: 30000 });
    const drawn = await page.locator('.plot.drawn').count();
    if (drawn !== 5) throw new Error(`${drawn} of 5 plots drawn: ${await page.locator('.plot-error').allTextContents()}`);
    // (Pages before `veloFirstPlotDone` existed: the open tab counts as drawn with the rest; before
    // `veloFirstPaint`, the open tab was first seen when JSROOT drew it.)
    return page.evaluate(() => {
      const first = window.veloFirstPlotDone ?? window.veloPlotsDone;
      return { all: window.veloPlotsDone, first, paint: window.veloFirstPaint ?? first };
    });
  };
  const coldLoad = async () => {
    const page = await stack.newPage({ fresh: true });
    try {
      const t = await measure(page);
      // Where a cold load spends its time: JSROOT's download, the jobs.
      t.detail = await page.evaluate(() => {
        const res = performance.getEntriesByType('resource');
        const jsroot = res.find((e) => e.name.includes('/jsroot/'));
        const jobsEnd = Math.max(...res.filter((e) => e.name.includes('/jobs')).map((e) => e.responseEnd));
        return { jsroot: jsroot && jsroot.responseEnd - jsroot.startTime, jsrootBytes: jsroot && jsroot.transferSize, jobsEnd };
      });
      if (page.problems.length) console.log('problems:', page.problems);
      return t;
    } finally {
      await page.context().close();
    }
  };
  // A load that fails (on an overloaded machine Redis may not answer in time) is reported and
  // left out of the figures.
  let failed = 0;
  const attempt = async (load) => {
    try {
      return await load();
    } catch (e) {
      failed += 1;
      console.log(`load failed: ${e.message.split('\n')[0]}`);
      return null;
    }
  };
  const first = await coldLoad();
  const cold = [];
  for (let i = 0; i < loads; i++) cold.push(await attempt(coldLoad));
  const page = await stack.newPage();
  await attempt(() => measure(page));
  const warm = [];
  for (let i = 0; i < loads; i++) warm.push(await attempt(() => measure(page)));
  if (failed) console.log(`${failed} loads failed and are left out`);
  if (page.problems.length) console.log('problems:', page.problems);

  const summary = (ts, key) => {
    const v = ts.filter(Boolean).map((t) => t[key]).sort((a, b) => a - b);
    const q = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))];
    return `median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, min ${v[0].toFixed(0)} ms, max ${v[v.length - 1].toFixed(0)} ms`;
  };
  const d = first.detail;
  console.log(`very first load (fresh browser, result cache empty): ${first.all.toFixed(0)} ms, open tab seen at ` +
    `${first.paint.toFixed(0)} ms, drawn at ${first.first.toFixed(0)} ms (JSROOT ${(d.jsrootBytes / 1024).toFixed(0)} KiB in ${d.jsroot.toFixed(0)} ms, last job answered at ${d.jobsEnd.toFixed(0)} ms)`);
  console.log(`${loads} cold loads (fresh browser each${uncached ? ', result cache missed' : ''}): all plots ${summary(cold, 'all')}; open tab seen ${summary(cold, 'paint')}, drawn ${summary(cold, 'first')}`);
  console.log(`${loads} warm loads (same browser${uncached ? ', result cache missed' : ''}): all plots ${summary(warm, 'all')}; open tab seen ${summary(warm, 'paint')}, drawn ${summary(warm, 'first')}`);
} finally {
  await stack.stop();
}
