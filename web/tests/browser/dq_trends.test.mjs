// Trends, detailed trends, sensor and TELL1 views in headless Chromium against the real stack
// (Redis, velo-web, velo-worker, the demo dataset, a SQLite results store holding the
// evaluations below): points and levels drawn, the URL holding the selection, clicks leading to
// the right run (and run view, sensor and tab), the strips' levels, hostile text as text.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor, RUNS } from './stack.mjs';
import { evaluation, branches, HOSTILE } from './dq_fixture.mjs';

let stack;
// Evaluated runs, oldest first, with what the fixture gave each.
const EVALUATED = [];
const HOSTILE_VAR = `noise.${HOSTILE}.score`;

before(async () => {
  stack = await startStack();
  const runs = RUNS.slice().reverse(); // oldest first
  const day = Date.UTC(2026, 10, 20, 6);
  const ev = [];
  runs.forEach((run, i) => {
    // Noise: OK, WARNING every third run, ERROR in the 5th; sensor 64 ERROR in the 4th run.
    const level = i === 4 ? 'ERROR' : i % 3 === 2 ? 'WARNING' : 'OK';
    const noiseScore = level === 'OK' ? 97 : level === 'WARNING' ? 70 : 30;
    // The reference run changes after the 3rd run; the polarity after the 6th.
    const reference = i < 3 ? runs[0] : runs[2];
    const e = evaluation(run, {
      branches: branches([99, 'OK'], [noiseScore, level]),
      reference,
      sensors: [
        { sensor: 5, level: 'OK', value: 2 + i / 100 },
        { sensor: 64, level: i === 3 ? 'ERROR' : 'OK', value: 2.5 },
        { sensor: 69, level: 'OK', value: 1.9 },
      ],
      sensorTitle: i === 0 ? HOSTILE : 'Mean noise',
    });
    if (i === 0) e.outcome.trends.push([HOSTILE_VAR, 1]);
    ev.push(e);
    EVALUATED.push({ run, level, noiseScore, reference, polarity: i < 6 ? 'up' : 'down', start: day + i * 3_600_000 });
  });
  stack.importDq({
    evaluations: ev,
    run_info: EVALUATED.map((r) => ({ run: r.run, start_ms: r.start, end_ms: null, fill: 7, magnet_polarity: r.polarity })),
  });
});
after(async () => { if (stack) await stack.stop(); });

async function open(url) {
  const page = await stack.newPage();
  const res = await page.goto(stack.base + url);
  assert.equal(res.status(), 200, url);
  return page;
}

async function drawn(page) {
  await waitFor('the trends to be drawn', () => page.evaluate(() => window.veloTrendDrawMs !== undefined));
}

// Per drawn trend: its variable, points, and the runs of each level's graph.
function trends(page) {
  return page.locator('section.trend').evaluateAll((sections) => sections.map((s) => {
    const box = s.querySelector('.trend-plot');
    const levels = {};
    if (box && box.veloPoints) for (const [g, list] of box.veloPoints) levels[g.fName] = list.map((p) => p.run);
    return { var: s.dataset.var, points: box ? Number(box.dataset.points) : 0, levels };
  }));
}

test('a trend draws one point per evaluated run, coloured by the level of its node', async () => {
  const page = await open('/velo_view/trends?var=noise.score&var=noise.noise_level.TELL1_064.mean_content&newest=100');
  await drawn(page);
  const t = await trends(page);
  assert.deepEqual(t.map((x) => x.var), ['noise.score', 'noise.noise_level.TELL1_064.mean_content']);
  assert.equal(t[0].points, EVALUATED.length);
  const byLevel = (l) => EVALUATED.filter((r) => r.level === l).map((r) => r.run);
  assert.deepEqual(t[0].levels.OK, byLevel('OK'));
  assert.deepEqual(t[0].levels.WARNING, byLevel('WARNING'));
  assert.deepEqual(t[0].levels.ERROR, byLevel('ERROR'));
  // A sensor's quantity is coloured by that sensor's leaf: ERROR in the 4th run only.
  assert.deepEqual(t[1].levels.ERROR, [EVALUATED[3].run]);
  // The polarity and reference changes are marked, and listed as text.
  assert.deepEqual(await page.locator('section.trend').first().locator('.trend-change').allTextContents(), [
    `Run ${EVALUATED[3].run}: reference run ${EVALUATED[0].run} → ${EVALUATED[2].run}`,
    `Run ${EVALUATED[6].run}: magnet polarity up → down`,
  ]);
  const csv = await page.locator('section.trend').first().locator('a.trend-csv').getAttribute('href');
  assert.equal(csv, '/api/dq/trend?newest=100&var=noise.score&format=csv');
  const body = await (await fetch(stack.base + csv)).text();
  assert.equal(body.trim().split('\n').length, EVALUATED.length + 1);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the selection is in the URL: a tab preselects its group, a change is kept and reloads the same', async () => {
  const page = await open('/velo_view/trends/nzs');
  await drawn(page);
  const chips = () => page.locator('#trend-selected .trend-chip').evaluateAll((l) => l.map((c) => c.dataset.var));
  assert.deepEqual(await chips(), ['score', 'pedestals.score', 'noise.score']);
  await page.locator('#trend-search').fill('TELL1_005 mean');
  await page.locator('#trend-choices input[value="noise.noise_level.TELL1_005.mean_content"]').check();
  await page.locator('#trend-selected .trend-chip[data-var="pedestals.score"] button').click();
  await page.locator('#trend-newest').fill('');
  await page.locator('#trend-first').fill(String(EVALUATED[2].run));
  await page.locator('#trend-x').selectOption('time');
  await page.evaluate(() => { window.veloTrendDrawMs = undefined; });
  await page.locator('#trend-form button[type=submit]').click();
  await drawn(page);
  const url = new URL(page.url());
  assert.deepEqual(url.searchParams.getAll('var'), ['score', 'noise.score', 'noise.noise_level.TELL1_005.mean_content']);
  assert.equal(url.searchParams.get('first'), String(EVALUATED[2].run));
  assert.equal(url.searchParams.get('x'), 'time');
  assert.equal((await trends(page))[0].points, EVALUATED.length - 2);
  // The same URL in a new page shows the same selection.
  const again = await open(url.pathname + url.search);
  await drawn(again);
  assert.deepEqual(await again.locator('#trend-selected .trend-chip').evaluateAll((l) => l.map((c) => c.dataset.var)),
    ['score', 'noise.score', 'noise.noise_level.TELL1_005.mean_content']);
  assert.equal(await again.locator('#trend-x').inputValue(), 'time');
  assert.equal(await again.locator('#trend-first').inputValue(), String(EVALUATED[2].run));
  assert.equal((await trends(again))[0].points, EVALUATED.length - 2);
  assert.deepEqual(page.problems, []);
  assert.deepEqual(again.problems, []);
  await page.close();
  await again.close();
});

test('clicking a point opens that run\'s DQ page', async () => {
  const target = EVALUATED[4]; // the ERROR run
  const page = await open('/velo_view/trends?var=noise.score&newest=100');
  await drawn(page);
  const at = await page.locator('.trend-plot').first().evaluate((box, run) => {
    const fp = box.veloPainter.getFramePainter();
    const canvas = box.querySelector('svg').getBoundingClientRect();
    for (const [g, list] of box.veloPoints) {
      const i = list.findIndex((p) => p.run === run);
      if (i >= 0) {
        return {
          x: canvas.left + fp.getFrameX() + fp.grx(g.fX[i]),
          y: canvas.top + fp.getFrameY() + fp.gry(g.fY[i]),
        };
      }
    }
    return null;
  }, target.run);
  assert.ok(at, 'the run is drawn');
  await page.mouse.move(at.x, at.y);
  // JSROOT's tooltip names the run.
  await waitFor('the tooltip naming the run', () => page.locator('.trend-plot').first()
    .evaluate((b, run) => b.querySelector('svg').textContent.includes(`Run ${run}`), target.run));
  await page.mouse.click(at.x, at.y);
  await page.waitForURL(`**/run_view/${target.run}/dqs`);
  await page.close();
});

test('tabs without data say so; hostile variable names are text', async () => {
  const page = await open('/velo_view/trends/tracks');
  await drawn(page);
  assert.match(await page.locator('#trend-no-data').textContent(), /no tracks histograms/);
  assert.equal(await page.locator('section.trend').count(), 0);
  await page.locator('#trend-search').fill('onerror');
  const label = page.locator('#trend-choices label');
  await waitFor('the hostile variable listed', async () => (await label.count()) === 1);
  assert.equal((await label.textContent()).trim(), HOSTILE_VAR);
  await page.locator('#trend-choices input').check();
  await page.locator('#trend-newest').fill('100');
  await page.evaluate(() => { window.veloTrendDrawMs = undefined; });
  await page.locator('#trend-form button[type=submit]').click();
  await drawn(page);
  assert.equal(await page.locator('section.trend h2').textContent(), HOSTILE_VAR);
  assert.equal(await page.evaluate(() => window.xssRan), undefined);
  assert.equal(await page.locator('section.trend img').count(), 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the heat map is one request; a cell opens that run\'s run view of that sensor with its reference', async () => {
  const page = await stack.newPage();
  const heatmapRequests = [];
  page.on('request', (r) => { if (r.url().includes('/api/dq/')) heatmapRequests.push(new URL(r.url()).pathname); });
  await page.goto(`${stack.base}/velo_view/detailed_trends`);
  await waitFor('the heat map', () => page.evaluate(() => window.veloHeatmapDrawn === true));
  assert.equal(await page.locator('#heatmap-var').inputValue(), 'noise.noise_level.mean_content');
  const box = page.locator('#heatmap');
  assert.equal(await box.getAttribute('data-runs'), String(EVALUATED.length));
  assert.equal(await box.getAttribute('data-sensors'), '3');
  assert.deepEqual(heatmapRequests, ['/api/dq/variables', '/api/dq/heatmap']);
  // The URL holds the selection.
  await page.locator('#heatmap-newest').fill('4');
  await page.evaluate(() => { window.veloHeatmapDrawn = false; });
  await page.locator('#heatmap-form button[type=submit]').click();
  await waitFor('the narrower heat map', () => page.evaluate(() => window.veloHeatmapDrawn === true));
  assert.equal(new URL(page.url()).search, '?var=noise.noise_level.mean_content&newest=4');
  assert.equal(await box.getAttribute('data-runs'), '4');
  // The cell of sensor 64 (the 2nd column) in the newest run but one (row 3 of 4).
  const target = EVALUATED[EVALUATED.length - 2];
  const at = await box.evaluate((b) => {
    const fp = b.veloPainter.getFramePainter();
    const canvas = b.querySelector('svg').getBoundingClientRect();
    return { x: canvas.left + fp.getFrameX() + fp.grx(1.5), y: canvas.top + fp.getFrameY() + fp.gry(2.5) };
  });
  await page.mouse.move(at.x, at.y);
  await page.mouse.click(at.x, at.y);
  const tab = 'vetra_noisemon_decodedadc_tell1__0_03d__rmsnoise_vs_chipchannel';
  await page.waitForURL(`**/run_view/${target.run}/noise/64#/${tab}`);
  const pane = page.locator(`#${tab}`);
  await waitFor('the pane to be active', () => pane.evaluate((e) => e.classList.contains('active')));
  await pane.locator('.plot.drawn').waitFor({ timeout: 60000 });
  assert.equal((await pane.locator('.reference-toggle').textContent()).replace(/\s+/g, ' ').trim(),
    `Show reference run (#${RUNS[RUNS.length - 1]})`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

// The strip of a sensor page: { check title: { run: level } }.
async function strip(page) {
  await waitFor('the sensor page', () => page.evaluate(() => window.veloSensorDrawn === true));
  return page.locator('#sensor-strip tbody tr').evaluateAll((trs) => trs.map((tr) => ({
    check: tr.dataset.check,
    title: tr.querySelector('th').textContent,
    levels: Array.from(tr.querySelectorAll('td')).map((td) => [Number(td.dataset.run), td.dataset.level]),
  })));
}

test('the sensor and TELL1 views show the sensor\'s levels per check over the runs, as text', async () => {
  const page = await open(`/sensor_view/64`);
  const s = await strip(page);
  assert.equal(s.length, 1);
  assert.equal(s[0].check, 'noise.noise_level');
  // Titled as first seen (the oldest run's hostile title): text, not markup.
  assert.equal(s[0].title, HOSTILE);
  assert.equal(await page.locator('#sensor-strip img, #sensor-strip b').count(), 0);
  assert.deepEqual(s[0].levels, EVALUATED.map((r, i) => [r.run, i === 3 ? 'ERROR' : 'OK']));
  assert.match((await page.locator('h1').textContent()).replace(/\s+/g, ' '), /Sensor 64 Φ, on the module of sensor 0; read out by TELL1 64/);
  assert.equal(await page.locator('select[name=phi-sensor]').inputValue(), '64');
  // Its trended quantity is drawn, one point per run.
  await waitFor('the trend', async () => (await page.locator('#sensor-trends .trend-plot').getAttribute('data-points')) === String(EVALUATED.length));
  // A cell opens the run's DQ page.
  await page.locator(`#sensor-strip td[data-run="${EVALUATED[3].run}"] a`).click();
  await page.waitForURL(`**/run_view/${EVALUATED[3].run}/dqs`);
  assert.equal(await page.evaluate(() => window.xssRan), undefined);
  assert.deepEqual(page.problems, []);
  await page.close();

  // TELL1 5 reads out sensor 5: the same data, as its board; choosing another goes there.
  const tell1 = await open('/tell1_view/5?newest=4');
  const t = await strip(tell1);
  assert.deepEqual(t[0].levels, EVALUATED.slice(-4).map((r) => [r.run, 'OK']));
  assert.match((await tell1.locator('h1').textContent()).replace(/\s+/g, ' '), /TELL1 5 reads out R sensor 5/);
  await tell1.locator('select[name=phi-sensor]').selectOption('69');
  await tell1.waitForURL('**/tell1_view/69');
  assert.equal((await strip(tell1))[0].levels.length, EVALUATED.length);
  assert.deepEqual(tell1.problems, []);
  await tell1.close();
});

test('a sensor number that names no sensor is the 404 page; the selector works without script', async () => {
  const page = await stack.newPage();
  page.expectStatus = (r) => r.status() === 404;
  for (const url of ['/sensor_view/50', '/tell1_view/abc', '/sensor_view/132']) {
    const res = await page.goto(stack.base + url);
    assert.equal(res.status(), 404, url);
  }
  const res = await page.goto(`${stack.base}/sensor_view?r-sensor=7`);
  assert.equal(res.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/sensor_view/7');
  await page.close();
});
