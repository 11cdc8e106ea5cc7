// Time from navigation to the last plot drawn on a five-plot run view page, in headless
// Chromium against the real stack. Usage (release binaries, as deployed):
//   cargo build --release --workspace --bins
//   VELO_BIN_DIR=target/release node web/tests/browser/timing.mjs [loads] [workers]
// Timings live here, not in the tests.

import { startStack, RUNS } from './stack.mjs';

const loads = Number(process.argv[2] || 20);
const workers = Number(process.argv[3] || 2);
const stack = await startStack({ workers });
try {
  const page = await stack.newPage();
  const url = `${stack.base}/run_view/${RUNS[0]}/occupancy/0`;
  const measure = async () => {
    await page.goto(url);
    await page.waitForFunction(() => window.veloPlotsDone !== undefined, null, { timeout: 30000 });
    const drawn = await page.locator('.plot.drawn').count();
    if (drawn !== 5) throw new Error(`${drawn} of 5 plots drawn: ${await page.locator('.plot-error').allTextContents()}`);
    // performance.now() counts from the navigation's start.
    return page.evaluate(() => window.veloPlotsDone);
  };
  const first = await measure();
  const times = [];
  for (let i = 0; i < loads; i++) times.push(await measure());
  times.sort((a, b) => a - b);
  const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  console.log(`first load (cold browser cache): ${first.toFixed(0)} ms`);
  console.log(`${loads} further loads: median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, min ${times[0].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms`);
  if (page.problems.length) console.log('problems:', page.problems);
} finally {
  await stack.stop();
}
