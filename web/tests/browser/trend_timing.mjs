// Time to draw a trend of one variable over 1,000 runs on /velo_view/trends, in headless
// Chromium against the real stack, and the server time of the requests behind it and the
// detailed trends' heat map (84 sensors × 1,000 runs). Each run's evaluation has ~760 nodes, as
// the bundled configuration's (9 per-sensor leaves × 84 sensors), so that looking up each
// point's level costs what it would. Usage:
//   cargo build --workspace --bins        (or --release, with VELO_BIN_DIR=target/release)
//   node web/tests/browser/trend_timing.mjs [runs] [loads]
// Timings live here, not in the tests.

import { startStack } from './stack.mjs';
import { evaluation, branches } from './dq_fixture.mjs';

const runs = Number(process.argv[2] || 1000);
const loads = Number(process.argv[3] || 7);
const SENSORS = [...Array(42).keys(), ...Array.from({ length: 42 }, (_, i) => 64 + i)];
const EXTRA_LEAVES = 8;

// Node's fetch keeps the connection stack.mjs opened before the (long) import: velo-web has
// closed it since, and the first use fails. One retry, on a new connection.
const get = (url) => fetch(url).catch(() => fetch(url));

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const stack = await startStack({ workers: 1 });
try {
  let t0 = Date.now();
  const first = 300000;
  for (let start = 0; start < runs; start += 100) {
    const ev = [];
    for (let i = start; i < Math.min(runs, start + 100); i++) {
      const level = i % 7 === 0 ? 'ERROR' : i % 3 === 0 ? 'WARNING' : 'OK';
      const e = evaluation(first + i, {
        branches: branches([99, 'OK'], [level === 'OK' ? 97 : 60, level]),
        reference: first + Math.floor(i / 100) * 100,
        sensors: SENSORS.map((s) => ({ sensor: s, level: (i + s) % 11 ? 'OK' : 'WARNING', value: 2 + ((i * 7 + s) % 10) / 20 })),
      });
      const nodes = e.outcome.nodes;
      for (let k = 0; k < EXTRA_LEAVES; k++) {
        nodes.push({ ...nodes[nodes.length - 1], key: `noise.check${k}`, parent: 'noise', sensor: null });
        for (const s of SENSORS) {
          nodes.push({ ...nodes[nodes.length - 1], key: `noise.check${k}.TELL1_${String(s).padStart(3, '0')}`, parent: `noise.check${k}`, sensor: s });
        }
      }
      ev.push(e);
    }
    stack.importDq({
      evaluations: ev,
      run_info: ev.map((e, j) => ({ run: e.run, start_ms: Date.UTC(2026, 0, 1) + (start + j) * 3_600_000, end_ms: null, fill: 1, magnet_polarity: (start + j) % 250 < 125 ? 'up' : 'down' })),
    });
  }
  console.log(`recorded ${runs} evaluations (${SENSORS.length * (EXTRA_LEAVES + 1) + 6} nodes each) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Server time of each API request, from Node (no browser), median of `loads`.
  for (const api of [
    `/api/dq/trend?var=noise.score&newest=${runs}`,
    `/api/dq/trend?var=noise.noise_level.TELL1_064.mean_content&newest=${runs}`,
    `/api/dq/heatmap?var=noise.noise_level.mean_content&newest=${runs}`,
    `/api/dq/sensors/64?newest=30`,
  ]) {
    const times = [];
    let bytes = 0;
    for (let i = 0; i < loads; i++) {
      t0 = performance.now();
      const res = await get(stack.base + api);
      const body = await res.text();
      if (!res.ok) throw new Error(`${api}: ${res.status} ${body}`);
      times.push(performance.now() - t0);
      bytes = body.length;
    }
    console.log(`${api}: median ${median(times).toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}), ${(bytes / 1024).toFixed(0)} KiB`);
  }

  // In the browser: from the page's start of drawing (the request included) to the last point,
  // and the draw alone (the total less the request's time).
  for (const v of ['noise.score', 'noise.noise_level.TELL1_064.mean_content']) {
    const page = await stack.newPage();
    const totals = [];
    const draws = [];
    for (let i = 0; i < loads; i++) {
      await page.goto(`${stack.base}/velo_view/trends?var=${v}&newest=${runs}`);
      await page.waitForFunction(() => window.veloTrendDrawMs !== undefined, null, { timeout: 60000 });
      const t = await page.evaluate(() => {
        const req = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/dq/trend')).pop();
        return { total: window.veloTrendDrawMs, request: req.responseEnd - req.startTime, points: document.querySelector('.trend-plot').dataset.points };
      });
      if (Number(t.points) !== runs) throw new Error(`${t.points} points drawn, not ${runs}`);
      totals.push(t.total);
      draws.push(t.total - t.request);
    }
    if (page.problems.length) console.log('problems:', page.problems);
    console.log(`trend of ${v} over ${runs} runs in Chromium: median ${median(totals).toFixed(0)} ms with the request, ${median(draws).toFixed(0)} ms drawing (${loads} loads; first load ${totals[0].toFixed(0)} ms)`);
    await page.close();
  }
} catch (e) {
  console.log(`failed: ${e.message}\n${stack.logs().slice(-4000)}`);
} finally {
  await stack.stop();
}
