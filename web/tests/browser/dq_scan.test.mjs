// The overview fed by the workers' own evaluations, not recorded ones: the real stack scans the
// demo dataset (eight of its nine runs carry an injected problem, listed in demo-problems.json;
// the oldest is every run's reference) and the page must show what the store holds, and flag
// every injected problem in the branch it belongs to.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, waitFor, RUNS, XSS_RUN } from './stack.mjs';

// Which top-level branch an injected problem shows in (config/dq.toml).
const BRANCH_OF = {
  dead_strips: 'noise',
  noisy_sensor: 'noise',
  shifted_pedestal: 'pedestals',
  low_clusters: 'clusters',
  high_occupancy: 'occupancy',
};

let stack;
before(async () => { stack = await startStack({ workers: 2, scan: true }); });
after(async () => { if (stack) await stack.stop(); });

test('the overview shows the scan\'s verdicts: injected problems at ERROR in their branch, the clean run OK', async () => {
  const problems = JSON.parse(fs.readFileSync(path.join(stack.dataDir, 'demo-problems.json'), 'utf8')).problems;
  const page = await stack.newPage();
  await page.goto(stack.base + '/velo_view');
  // Rows change as evaluations arrive, without a reload.
  const rows = await waitFor('every demo run evaluated on the open overview', async () => {
    const r = await page.locator('#overview-rows tr').evaluateAll((trs) => trs.map((tr) => ({
      run: Number(tr.dataset.run),
      badge: tr.querySelector('.badge').textContent.trim(),
    })));
    const demo = r.filter((x) => x.run !== XSS_RUN);
    return demo.length === RUNS.length && demo.every((x) => x.badge !== 'Not yet evaluated') ? r : null;
  }, 180000);

  const api = await (await fetch(`${stack.base}/api/dq/runs?limit=100`)).json();
  const stored = Object.fromEntries(api.runs.map((r) => [r.run, r]));
  const label = { OK: 'OK', WARNING: 'Minor problems', ERROR: 'Error' };
  for (const row of rows.filter((x) => x.run !== XSS_RUN)) {
    assert.equal(row.badge, label[stored[row.run].level], `run ${row.run}: page and store agree`);
  }
  const reference = RUNS[RUNS.length - 1];
  assert.equal(stored[reference].level, 'OK', 'the clean reference run');
  for (const p of problems) {
    const run = stored[p.run];
    assert.equal(run.level, 'ERROR', `run ${p.run}: ${p.detail}`);
    const branch = run.branches.find((b) => b.key === BRANCH_OF[p.kind]);
    assert.ok(branch && branch.level !== 'OK', `run ${p.run}: ${p.kind} shows in ${BRANCH_OF[p.kind]}: ${JSON.stringify(run.branches)}`);
    const columns = await page.locator('.overview-table thead th.branch-col').evaluateAll((ths) => ths.map((th) => th.dataset.branch));
    const cell = page.locator(`tr[data-run="${p.run}"] .branch-score`).nth(columns.indexOf(BRANCH_OF[p.kind]));
    assert.match(await cell.getAttribute('class'), /level-(warning|error)/, `run ${p.run}: the ${BRANCH_OF[p.kind]} column is coloured`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});
