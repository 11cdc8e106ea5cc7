// Alarms in headless Chromium against the real stack (Redis, velo-web, velo-worker, the demo
// dataset, the shipped config/alarms.toml): a bad run evaluated by the worker raises alarms that
// the navigation badge and the alarms page show without a reload; acknowledging needs a login;
// comments are shown as text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, RUNS } from './stack.mjs';

let stack;
before(async () => { stack = await startStack(); });
after(async () => { if (stack) await stack.stop(); });

// The demo's second run (dead strips: noise and occupancy at WARNING) and third (a noisy
// sensor: noise and occupancy at ERROR).
const oldestFirst = () => [...RUNS].sort((a, b) => a - b);

async function evaluate(run) {
  const r = await fetch(stack.base + '/jobs', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ task_name: 'dq.evaluate_run', args: { run } }),
  });
  assert.equal(r.status, 201);
  const { id } = (await r.json()).job;
  await waitFor(`job ${id}`, async () => {
    const body = await (await fetch(`${stack.base}/jobs/${id}?wait=5`)).json();
    const j = body.job || body;
    if (j.status === 'failed') throw new Error(JSON.stringify(j));
    return j.status === 'finished';
  }, 60000);
}

async function alarmRows(page) {
  return page.locator('#alarm-rows tr').evaluateAll((trs) => trs.map((tr) => ({
    id: Number(tr.dataset.id),
    run: Number(tr.dataset.run),
    rule: tr.dataset.rule,
    state: tr.dataset.state,
    cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent.replace(/\s+/g, ' ').trim()),
  })));
}

const badge = (page) => page.locator('#alarm-badge').evaluate((b) => (b.hidden ? 'hidden' : b.textContent));

test('the badge and the alarms page follow new alarms live, and acknowledging needs a login', async () => {
  const [, dead, noisy] = oldestFirst();
  const overview = await stack.newPage();
  const streams = [];
  overview.on('request', (r) => { if (new URL(r.url()).pathname === '/api/alarms/events') streams.push(r.url()); });
  await overview.goto(stack.base + '/velo_view');
  const alarms = await stack.newPage();
  // The unauthenticated acknowledgement below is refused on purpose.
  alarms.expectStatus = (r) => r.status() === 401 && r.url().endsWith('/ack');
  await alarms.goto(stack.base + '/velo_view/alarms?state=open');
  await waitFor('the badge to hear the counts', async () => (await overview.locator('#alarm-badge').getAttribute('data-open')) === '0');
  assert.equal(await badge(overview), 'hidden');
  await waitFor('the empty list', () => alarms.locator('#alarm-empty').isVisible());

  // Marks that only survive if neither page reloads.
  await overview.evaluate(() => { window.notReloaded = true; });
  await alarms.evaluate(() => { window.notReloaded = true; });

  await evaluate(noisy);
  await waitFor('the badge to show 2', async () => (await badge(overview)) === '2');
  await waitFor('two rows', async () => (await alarmRows(alarms)).length === 2);
  let rows = await alarmRows(alarms);
  assert.deepEqual(rows.map((r) => [r.run, r.rule, r.state]).sort(),
    [[noisy, 'noise', 'open'], [noisy, 'occupancy', 'open']]);
  assert.equal(rows[0].cells[3], 'ERROR');
  // Each says where to look: the failing leaves, by sensor, under the subsystem.
  const noiseRow = rows.find((r) => r.rule === 'noise');
  assert.match(noiseRow.cells[2], /^noise\s*Noise \(noise\) is ERROR, score [\d.]+: .*, sensor \d+ ERROR/);
  assert.equal(await alarms.locator(`#alarm-rows a[href="/run_view/${noisy}/dqs"]`).count(), 2);

  await evaluate(dead);
  await waitFor('the badge to show 4', async () => (await badge(overview)) === '4');
  await waitFor('four rows', async () => (await alarmRows(alarms)).length === 4);

  // Not logged in: refused, said so on the page, nothing changes.
  const target = (await alarmRows(alarms)).find((r) => r.run === noisy && r.rule === 'noise');
  const row = alarms.locator(`#alarm-rows tr[data-id="${target.id}"]`);
  await row.locator('.alarm-comment').fill('<b>looking</b><img src=x onerror="window.xss=1">');
  await row.locator('.alarm-ack').click();
  await waitFor('the 401 message', async () => /Not saved: Changing an alarm needs an authenticated user/.test(await alarms.locator('#alarm-message').textContent()));
  assert.equal(await badge(overview), '4');

  // Logged in (the proxy names the user): acknowledged; the open list and the badge follow.
  await alarms.setExtraHTTPHeaders({ 'X-Remote-User': 'shifter <i>x</i>' });
  await row.locator('.alarm-ack').click();
  await waitFor('the badge to show 3', async () => (await badge(overview)) === '3');
  await waitFor('the acknowledged alarm to leave the open list', async () => !(await alarmRows(alarms)).some((r) => r.id === target.id));

  // The acknowledged list shows who and the comment, as text.
  await alarms.selectOption('#alarm-state', 'acknowledged');
  await alarms.locator('#alarm-filter button[type=submit]').click();
  await waitFor('the acknowledged row', async () => {
    const r = await alarmRows(alarms);
    return r.length === 1 && r[0].id === target.id && r[0].state === 'acknowledged';
  });
  rows = await alarmRows(alarms);
  assert.equal(rows[0].cells[8], 'shifter <i>x</i>');
  assert.equal(rows[0].cells[9], '<b>looking</b><img src=x onerror="window.xss=1">');
  assert.equal(await alarms.locator('#alarm-rows b, #alarm-rows img, #alarm-rows i').count(), 0);
  assert.equal(await alarms.evaluate(() => window.xss), undefined);
  assert.equal(new URL(alarms.url()).search, '?state=acknowledged');

  // Resolved by hand from the page.
  await alarms.locator(`#alarm-rows tr[data-id="${target.id}"] .alarm-resolve`).click();
  await waitFor('the resolved state', async () => (await alarmRows(alarms)).length === 0);

  // Other pages poll the counts: no stream holding one of the browser's connections.
  assert.deepEqual(streams, []);
  assert.equal(await overview.evaluate(() => window.notReloaded), true);
  assert.equal(await alarms.evaluate(() => window.notReloaded), true);
  for (const p of [overview, alarms]) {
    assert.deepEqual(p.problems, []);
    assert.deepEqual(await p.evaluate(() => window.veloCspViolations), []);
  }
});
