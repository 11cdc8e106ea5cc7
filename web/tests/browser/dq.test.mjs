// Data quality in headless Chromium against the real stack (Redis, velo-web, velo-worker, the
// demo dataset, a SQLite results store holding the evaluations below): the overview's rows,
// badges, filters and pages; the run's DQ page and its link to the plot with the reference;
// sign-off with and without authentication; results appearing without a reload; hostile text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, RUNS, XSS_RUN } from './stack.mjs';
import { evaluation, failed, branches, HOSTILE } from './dq_fixture.mjs';

let stack;
let REF;
before(async () => {
  stack = await startStack();
  REF = RUNS[RUNS.length - 1];
  const ev = [
    failed(RUNS[1], 'file unreadable: <b>bad</b>'),
    evaluation(RUNS[2], { branches: branches([70, 'WARNING'], [30, 'ERROR']), reference: REF, leafTitle: HOSTILE, leafDetails: { worst_channels: '7', unit: 'sensor' } }),
    evaluation(RUNS[3], { branches: branches([95, 'OK'], [75, 'WARNING']), reference: REF }),
  ];
  for (const r of RUNS.slice(4)) ev.push(evaluation(r, { branches: branches([99, 'OK'], [97, 'OK']), reference: REF }));
  stack.importDq({
    evaluations: ev,
    run_info: [{ run: RUNS[2], start_ms: Date.UTC(2026, 10, 27, 8, 30), end_ms: null, fill: 7, magnet_polarity: 'down' }],
  });
});
after(async () => { if (stack) await stack.stop(); });

async function open(url) {
  const page = await stack.newPage();
  const res = await page.goto(stack.base + url);
  assert.equal(res.status(), 200, url);
  return page;
}

const clean = (s) => s.replace(/\s+/g, ' ').trim();

async function rows(page) {
  return page.locator('#overview-rows tr').evaluateAll((trs) => trs.map((tr) => ({
    run: Number(tr.dataset.run),
    badge: tr.querySelector('.badge').textContent.trim(),
    cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent.replace(/\s+/g, ' ').trim()),
    branchClasses: Array.from(tr.querySelectorAll('.branch-score')).map((td) => td.className),
  })));
}

test('the overview shows every run with its status, scores and automatic comments', async () => {
  const page = await open('/velo_view');
  const r = await rows(page);
  assert.deepEqual(r.map((x) => x.run), [...RUNS, XSS_RUN]);
  const badge = Object.fromEntries(r.map((x) => [x.run, x.badge]));
  assert.equal(badge[RUNS[0]], 'Not yet evaluated');
  assert.equal(badge[RUNS[1]], 'Evaluation failed');
  assert.equal(badge[RUNS[2]], 'Error');
  assert.equal(badge[RUNS[3]], 'Minor problems');
  assert.equal(badge[RUNS[4]], 'OK');
  assert.equal(badge[XSS_RUN], 'Not yet evaluated');
  assert.deepEqual(await page.locator('.overview-table thead th').allTextContents(),
    ['Run', 'Start (UTC)', 'DQ status', 'DQ score', 'Pedestals', 'Noise', 'Comments']);
  const err = r.find((x) => x.run === RUNS[2]);
  assert.equal(err.cells[1], '2026-11-27 08:30:00');
  assert.equal(err.cells[3], '50');
  assert.deepEqual(err.cells.slice(4, 6), ['70', '30']);
  assert.match(err.branchClasses[0], /level-warning/);
  assert.match(err.branchClasses[1], /level-error/);
  // The low branches, then where to look: the failing leaves worst first, titles as text,
  // each with since when it has failed: the noise leaf failed in the run before too (the run
  // between them failed to evaluate, which says nothing), the pedestals leaf is new.
  assert.equal(err.cells[6], `Low DQ scores: Pedestals 70%, Noise 30% Where to look: ${HOSTILE} (sensor 7, since run ${RUNS[3]}); ${HOSTILE} (sensor 7, new)`);
  const since = page.locator(`tr[data-run="${RUNS[2]}"] .where-since`);
  assert.equal(await since.getAttribute('title'), 'failing for 2 runs');
  assert.equal(await since.locator('a').getAttribute('href'), `/run_view/${RUNS[3]}/dqs`);
  assert.equal(r.find((x) => x.run === RUNS[1]).cells[6], 'file unreadable: <b>bad</b>');
  assert.equal(await page.locator('#overview-rows b, #overview-rows img').count(), 0, 'stored text is text');
  // The run links to its DQ page.
  await page.locator(`tr[data-run="${RUNS[3]}"] a.run-link`).click();
  await page.waitForURL(`**/run_view/${RUNS[3]}/dqs`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the overview filters by level and run range, and pages', async () => {
  const page = await open('/velo_view/overview');
  await page.locator('#filter-level').selectOption('ERROR');
  await page.locator('.overview-filter button').click();
  await page.waitForURL('**level=ERROR**');
  assert.deepEqual((await rows(page)).map((x) => x.run), [RUNS[2]]);
  await page.goto(`${stack.base}/velo_view/overview?first=${RUNS[5]}&last=${RUNS[3]}`);
  assert.deepEqual((await rows(page)).map((x) => x.run), RUNS.slice(3, 6));
  assert.equal(await page.locator('#filter-first').inputValue(), String(RUNS[5]));
  await page.goto(`${stack.base}/velo_view/overview?level=UNEVALUATED`);
  assert.deepEqual((await rows(page)).map((x) => x.run), [RUNS[0], XSS_RUN]);
  // Pages of four, following "Older runs" to the end, then back to the newest.
  await page.goto(`${stack.base}/velo_view/overview?limit=4`);
  const seen = [];
  for (;;) {
    seen.push(...(await rows(page)).map((x) => x.run));
    const older = page.locator('#page-next');
    if (await older.count() === 0) break;
    await Promise.all([page.waitForNavigation(), older.click()]);
  }
  assert.deepEqual(seen, [...RUNS, XSS_RUN]);
  await Promise.all([page.waitForNavigation(), page.locator('#page-newest').click()]);
  assert.equal((await rows(page))[0].run, RUNS[0]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a bad filter is a 400 page saying what is wrong', async () => {
  const page = await stack.newPage();
  page.expectStatus = (r) => r.status() === 400;
  const res = await page.goto(`${stack.base}/velo_view/overview?first=abc`);
  assert.equal(res.status(), 400);
  assert.match(await page.locator('#overview-error').textContent(), /first must be a run number/);
  await page.close();
});

async function openDq(run) {
  const page = await open(`/run_view/${run}/dqs`);
  await page.locator('#dq-run.loaded').waitFor();
  return page;
}

test('the DQ page shows the tree, worst first on request, and leads to the plot with its reference', async () => {
  const page = await openDq(RUNS[2]);
  assert.equal(clean(await page.locator('#main > h1').textContent()), `Data quality of run ${RUNS[2]}`);
  assert.match(clean(await page.locator('#dq-summary').textContent()), new RegExp(`Error Score 50.0.*reference run ${REF}`));
  // Where to look: every failing leaf, worst first, its title as text, a link to its plot.
  const look = await page.locator('.dq-look-list li').evaluateAll((lis) => lis.map((li) => ({
    key: li.dataset.key,
    level: li.querySelector('.badge').textContent.trim(),
    href: li.querySelector('a.plot-link') && li.querySelector('a.plot-link').getAttribute('href'),
    since: li.querySelector('.dq-since').textContent,
    sinceHref: li.querySelector('.dq-since a') && li.querySelector('.dq-since a').getAttribute('href'),
    text: li.textContent.replace(/\s+/g, ' '),
  })));
  assert.deepEqual(look.map((l) => [l.key, l.level]), [['noise.sensor_005', 'Error'], ['pedestals.sensor_005', 'Minor problems']]);
  // Since when: the noise leaf was already failing in the run before; the pedestals' is new.
  assert.deepEqual(look.map((l) => [l.since, l.sinceHref]), [
    [`failing for 2 runs, since run ${RUNS[3]}`, `/run_view/${RUNS[3]}/dqs`],
    ['new in this run', null],
  ]);
  // Where the check found it worst, in its unit: a sensor here, as the check across sensors says.
  assert.ok(look.every((l) => l.text.includes(' · sensor 7 · ')), JSON.stringify(look));
  assert.equal(look[0].href, `/run_view/${RUNS[2]}/noise/5#/vetra_noisemon_decodedadc_tell1__0_03d__rmsnoise_vs_strip`);
  assert.equal(await page.locator('.dq-look .dq-title').first().textContent(), HOSTILE);
  assert.equal(await page.locator('.dq-look .dq-title img, .dq-look .dq-title b').count(), 0);
  const order = () => page.locator('#dq-tree > details > .dq-children > details').evaluateAll((ds) => ds.map((d) => d.dataset.key));
  assert.deepEqual(await order(), ['pedestals', 'noise']);
  await page.locator('#dq-worst-first').check();
  assert.deepEqual(await order(), ['noise', 'pedestals']);
  await page.locator('#dq-worst-first').uncheck();
  assert.deepEqual(await order(), ['pedestals', 'noise']);
  const noise = page.locator('details[data-key="noise"]');
  assert.match(clean(await noise.locator(':scope > summary').textContent()), /^Noise Error 30.0 1 warnings, 1 errors$/);
  await page.locator('#dq-expand').click();
  const leaf = page.locator('details[data-key="noise.sensor_005"]');
  // The hostile leaf title is text, not markup.
  assert.equal(await leaf.locator('.dq-title').textContent(), '<img src=x onerror="window.xssRan = 3">&amp;<b>bold</b>');
  assert.equal(await leaf.locator('.dq-title img, .dq-title b').count(), 0);
  const facts = await leaf.locator('.dq-leaf').evaluate((dl) => Object.fromEntries(
    Array.from(dl.querySelectorAll('dt')).map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
  assert.deepEqual(facts, {
    Check: 'mean_width_diff_ref',
    Sensor: '5',
    Histogram: 'Vetra/NoiseMon/DecodedADC/TELL1_005/RMSNoise_vs_Strip',
    'Reference run': String(REF),
    args: '0.1',
    'bad channels': '1 channel: {"bin":12,"content":0,"reason":"dead","x":11.5}',
    measured: '{"mean":2.51,"rms":0.72}',
    thresholds: '{"error":50,"warning":80}',
    unit: 'sensor',
    'worst channels': '7',
  });
  await leaf.locator('a.plot-link').click();
  await page.waitForURL(`**/run_view/${RUNS[2]}/noise/5#/vetra_noisemon_decodedadc_tell1__0_03d__rmsnoise_vs_strip`);
  const pane = page.locator('#vetra_noisemon_decodedadc_tell1__0_03d__rmsnoise_vs_strip');
  await waitFor('the pane to be active', () => pane.evaluate((e) => e.classList.contains('active')));
  await pane.locator('.plot.drawn').waitFor({ timeout: 60000 });
  assert.equal(clean(await pane.locator('.reference-toggle').textContent()), `Show reference run (#${REF})`);
  // The plot says what data quality found on it, and its tab is marked; the other plots are not.
  await waitFor('the verdicts', () => page.evaluate(() => document.documentElement.dataset.dqNotes === 'done'));
  const note = pane.locator('.dq-note');
  assert.equal(await note.count(), 1);
  assert.equal(await note.locator('.badge').textContent(), 'Error');
  assert.equal(await note.locator('.dq-note-title').textContent(), HOSTILE);
  assert.match(clean(await note.textContent()), new RegExp(` \\(sensor 7\\), failing for 2 runs, since run ${RUNS[3]} ·`));
  assert.equal(await note.locator('.dq-note-title img, .dq-note-title b').count(), 0);
  assert.equal(await note.locator('a').getAttribute('href'), `/run_view/${RUNS[2]}/dqs`);
  assert.deepEqual(await page.locator('.run-view-tab a.dq-tab-error').evaluateAll((as) => as.map((a) => a.dataset.pane)),
    ['vetra_noisemon_decodedadc_tell1__0_03d__rmsnoise_vs_strip']);
  assert.equal(await page.locator('.dq-note').count(), 1);
  assert.equal(await page.evaluate(() => window.xssRan), undefined);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a failed and an unevaluated run say so on their DQ page', async () => {
  const page = await openDq(RUNS[1]);
  assert.equal(clean(await page.locator('#dq-summary .dq-verdict').textContent()), 'Evaluation failed file unreadable: <b>bad</b>');
  const page2 = await openDq(RUNS[0]);
  assert.equal(clean(await page2.locator('#dq-summary .dq-verdict').textContent()), 'Not yet evaluated');
  assert.equal(await page2.locator('#dq-tree details').count(), 0);
  await page.close();
  await page2.close();
});

test('signing off needs authentication; the history and the overview show it as text', async () => {
  const page = await openDq(RUNS[3]);
  page.expectStatus = (r) => r.status() === 401 && r.url().endsWith('/signoff');
  await page.locator('input[name=status][value=BAD]').check();
  await page.locator('#signoff-comment').fill('no login');
  await page.locator('#signoff-form button[type=submit]').click();
  await waitFor('the 401 message', async () => /Not saved: Signing off needs an authenticated user/.test(await page.locator('#signoff-message').textContent()));
  assert.equal(await page.locator('#signoff-history tbody tr').count(), 0);

  // Logged in: the proxy names the user.
  await page.setExtraHTTPHeaders({ 'X-Remote-User': 'shifter <i>x</i>' });
  const comment = `Noise high, see elog ${HOSTILE}`;
  await page.locator('#signoff-comment').fill(comment);
  const saved = page.evaluate(() => new Promise((r) => document.addEventListener('velo:signoff-saved', r, { once: true })));
  await page.locator('#signoff-form button[type=submit]').click();
  await saved;
  assert.equal(await page.locator('#signoff-message').textContent(), 'Saved.');
  const row = await page.locator('#signoff-history tbody tr').first().locator('td').allTextContents();
  assert.deepEqual(row.slice(1), ['shifter <i>x</i> (proxy)', 'BAD', comment]);
  assert.match(clean(await page.locator('#signoff-current').textContent()), /^Currently BAD by shifter <i>x<\/i>/);
  assert.equal(await page.locator('#dq-run img, #dq-run i').count(), 0);

  const overview = await open(`/velo_view/overview?first=${RUNS[3]}&last=${RUNS[3]}`);
  assert.equal(await overview.locator('.signoff-comment').textContent(), comment);
  assert.equal(await overview.locator('.signoff-author').textContent(), 'shifter <i>x</i>');
  assert.equal(await overview.locator('#overview-rows img, #overview-rows i').count(), 0);
  assert.equal(await overview.evaluate(() => window.xssRan), undefined);
  assert.deepEqual(page.problems, []);
  await page.close();
  await overview.close();
});

test('a run evaluated while the overview is open appears without a reload', async () => {
  const page = await open('/velo_view/overview');
  await page.evaluate(() => { window.notReloaded = true; });
  const badge = () => page.locator(`tr[data-run="${RUNS[0]}"] .badge`).textContent();
  assert.equal(await badge(), 'Not yet evaluated');
  stack.importDq({ evaluations: [evaluation(RUNS[0], { branches: branches([90, 'OK'], [60, 'WARNING']), reference: REF })] });
  await waitFor('the new result on the page', async () => (await badge()) === 'Minor problems', 20000);
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  assert.equal(clean(await page.locator(`tr[data-run="${RUNS[0]}"] .comments`).textContent()), `Low DQ scores: Noise 60% Where to look: Noise of sensor 5 (since run ${RUNS[3]})`);
  assert.deepEqual(page.problems, []);
  await page.close();
});
