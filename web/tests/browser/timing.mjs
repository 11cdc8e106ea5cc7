// Time from navigation to the last plot drawn on a five-plot run view page, in headless
// Chromium against the real stack. Usage (release binaries, as deployed):
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
  const page = await stack.newPage();
  const url = `${stack.base}/run_view/${RUNS[0]}/occupancy/0`;
  let stamp = Date.now() / 1000;
  const measure = async () => {
    if (uncached) {
      stamp += 1;
      fs.utimesSync(runFile(stack.dataDir, RUNS[0]), stamp, stamp);
    }
    await page.goto(url);
    await page.waitForFunction(() => window.veloPlotsDone !== undefined, null, { timeout: 30000 });
    const drawn = await page.locator('.plot.drawn').count();
    if (drawn !== 5) throw new Error(`${drawn} of 5 plots drawn: ${await page.locator('.plot-error').allTextContents()}`);
    // performance.now() counts from the navigation's start.
    return page.evaluate(() => window.veloPlotsDone);
  };
  const first = await measure();
  // Where the first (cold) load spends its time: JSROOT's download, the jobs, the drawing.
  const cold = await page.evaluate(() => {
    const res = performance.getEntriesByType('resource');
    const jsroot = res.find((e) => e.name.endsWith('jsroot.min.js'));
    const jobsEnd = Math.max(...res.filter((e) => e.name.includes('/jobs')).map((e) => e.responseEnd));
    return { jsroot: jsroot && jsroot.responseEnd - jsroot.startTime, jobsEnd };
  });
  const times = [];
  for (let i = 0; i < loads; i++) times.push(await measure());
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(`first load (cold browser and result caches): ${first.toFixed(0)} ms ` +
    `(JSROOT download ${cold.jsroot.toFixed(0)} ms, last job answered at ${cold.jobsEnd.toFixed(0)} ms)`);
  console.log(`${loads} further loads${uncached ? ' (result cache missed)' : ''}: median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms`);
  if (page.problems.length) console.log('problems:', page.problems);
} finally {
  await stack.stop();
}
