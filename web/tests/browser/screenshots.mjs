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
  const ev = [
    failed(RUNS[1], 'run file unreadable: truncated basket'),
    evaluation(RUNS[2], { branches: branches([40, 'ERROR'], [70, 'WARNING']), reference: ref }),
    evaluation(RUNS[3], { branches: branches([95, 'OK'], [75, 'WARNING']), reference: ref }),
  ];
  for (const r of RUNS.slice(4)) ev.push(evaluation(r, { branches: branches([99, 'OK'], [97, 'OK']), reference: ref }));
  stack.importDq({
    evaluations: ev,
    run_info: RUNS.map((run, i) => ({ run, start_ms: day - i * 3_600_000, end_ms: null, fill: 9000 - i, magnet_polarity: i % 2 ? 'up' : 'down' })),
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
  console.log(`written ${OUT}/overview.png and dq-page.png`);
} finally {
  await stack.stop();
}
