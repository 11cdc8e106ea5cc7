// Screenshots of the data-quality pages for docs/screenshots/, taken on purpose (not by every
// test run): `node web/tests/browser/screenshots.mjs` after `cargo build --workspace`. The
// stack and its results are the browser tests' (demo dataset, fixture evaluations).

import path from 'node:path';
import { startStack, RUNS } from './stack.mjs';
import { evaluation, failed, branches } from './dq_fixture.mjs';

const OUT = path.join(import.meta.dirname, '../../../docs/screenshots');
const stack = await startStack({ workers: 1 });
try {
  const ref = RUNS[RUNS.length - 1];
  const day = Date.UTC(2026, 10, 27, 6);
  // Per-sensor noise for the trends, heat map and sensor pages: a few sensors, one noisy in two runs.
  const sensors = (i) => [0, 5, 12, 41, 64, 69, 76, 105].map((s) => ({
    sensor: s,
    level: s === 69 && (i === 2 || i === 5) ? 'ERROR' : s === 12 && i === 3 ? 'WARNING' : 'OK',
    value: 1.9 + ((s * 13 + i * 7) % 17) / 100 + (s === 69 && (i === 2 || i === 5) ? 0.6 : 0),
  }));
  const ev = [
    failed(RUNS[1], 'run file unreadable: truncated basket'),
    evaluation(RUNS[2], { branches: branches([40, 'ERROR'], [70, 'WARNING']), reference: ref, sensors: sensors(2) }),
    evaluation(RUNS[3], { branches: branches([95, 'OK'], [75, 'WARNING']), reference: ref, sensors: sensors(3) }),
  ];
  RUNS.slice(4).forEach((r, i) => ev.push(evaluation(r, {
    branches: branches([99 - (i % 3), 'OK'], [97 - (i % 2) * 3, 'OK']), reference: i > 2 ? ref : RUNS[RUNS.length - 2], sensors: sensors(i + 4),
  })));
  stack.importDq({
    evaluations: ev,
    run_info: RUNS.map((run, i) => ({ run, start_ms: day - i * 3_600_000, end_ms: null, fill: 9000 - i, magnet_polarity: i < 4 ? 'up' : 'down' })),
  });
  const page = await stack.newPage();
  await page.setExtraHTTPHeaders({ 'X-Remote-User': 'shifter' });
  await page.goto(`${stack.base}/run_view/${RUNS[2]}/dqs`);
  await page.locator('#dq-run.loaded').waitFor();
  await page.locator('input[name=status][value=BAD]').check();
  await page.locator('#signoff-comment').fill('Pedestals of sensor 5 off by 15 ADC; elog 1234');
  await page.locator('#signoff-form button[type=submit]').click();
  await page.locator('#signoff-history tbody tr').first().waitFor();
  await page.locator('#dq-expand-problems').click();
  await page.locator('#dq-worst-first').check();
  await page.screenshot({ path: path.join(OUT, 'dq-page.png'), fullPage: true });
  await page.goto(`${stack.base}/velo_view/overview`);
  await page.screenshot({ path: path.join(OUT, 'overview.png'), fullPage: true });
  await page.goto(`${stack.base}/velo_view/trends?var=noise.score&var=noise.noise_level.TELL1_069.mean_content&newest=100`);
  await page.waitForFunction(() => window.veloTrendDrawMs !== undefined);
  await page.screenshot({ path: path.join(OUT, 'trends.png'), fullPage: true });
  await page.goto(`${stack.base}/velo_view/detailed_trends`);
  await page.waitForFunction(() => window.veloHeatmapDrawn === true);
  await page.screenshot({ path: path.join(OUT, 'detailed-trends.png'), fullPage: true });
  await page.goto(`${stack.base}/sensor_view/69`);
  await page.waitForFunction(() => window.veloSensorDrawn === true);
  await page.screenshot({ path: path.join(OUT, 'sensor-view.png'), fullPage: true });
  await page.goto(`${stack.base}/tell1_view/12`);
  await page.waitForFunction(() => window.veloSensorDrawn === true);
  await page.screenshot({ path: path.join(OUT, 'tell1-view.png'), fullPage: true });
  if (page.problems.length) console.log('problems:', page.problems);
  console.log(`written ${OUT}/: overview, dq-page, trends, detailed-trends, sensor-view, tell1-view (.png)`);
} finally {
  await stack.stop();
}
