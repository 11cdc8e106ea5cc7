// Every page in headless Chromium against the real stack (Redis, velo-web, velo-worker, a run
// data directory). Run with `node --test web/tests/browser/pages.test.mjs` after
// `cargo build --workspace --bins` (Node 18 or newer).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, waitFor, RUNS, XSS_RUN, XSS_TITLE, ROOT, SCREENSHOT_DIR } from './stack.mjs';

// The screenshots in docs/ are chosen by hand: no test may overwrite them.
const DOCS_SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
function docsScreenshots() {
  if (!fs.existsSync(DOCS_SCREENSHOTS)) return {};
  return Object.fromEntries(fs.readdirSync(DOCS_SCREENSHOTS).sort().map((f) => {
    const file = path.join(DOCS_SCREENSHOTS, f);
    return [f, `${fs.statSync(file).mtimeMs} ${crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`];
  }));
}
const docsScreenshotsBefore = docsScreenshots();

let stack;
before(async () => { stack = await startStack(); });
after(async () => { if (stack) await stack.stop(); });

// The bundled pages, then the two the fixture adds.
const PAGE_COUNT = fs.readFileSync(path.join(ROOT, 'config/pages.toml'), 'utf8').split('\n')
  .filter((l) => l.trim() === '[[page]]').length + 2;

async function open(url, expectStatus = 200) {
  const page = await stack.newPage();
  page.expectStatus = (r) => {
    const u = new URL(r.url());
    // The navigation's own status is checked below.
    return u.pathname + u.search === url && r.status() === expectStatus;
  };
  const res = await page.goto(stack.base + url);
  assert.equal(res.status(), expectStatus, `status of ${url}`);
  return page;
}

async function text(page, selector) {
  return (await page.locator(selector).first().textContent()).replace(/\s+/g, ' ').trim();
}

async function assertClean(page, url) {
  assert.deepEqual(page.problems, [], `problems on ${url}`);
  assert.deepEqual(await page.evaluate(() => window.veloCspViolations), [], `CSP refusals on ${url}`);
}

test('every page loads in the site layout without console errors', async () => {
  const pages = [
    ['/', 'Overview'], ['/velo_view', 'Overview'], ['/velo_view/overview', 'Overview'],
    ['/velo_view/trends', 'Trends Non zero-suppressed'], ['/velo_view/trends/nzs', 'Trends Non zero-suppressed'],
    ['/velo_view/trends/clusters', 'Trends Clusters'], ['/velo_view/trends/tracks', 'Trends Tracks'],
    ['/velo_view/trends/vertices', 'Trends Vertices'], ['/velo_view/detailed_trends', 'Detailed trends'],
    ['/sensor_view', 'Sensor view'], ['/tell1_view', 'TELL1 view'],
    ['/special_analyses', 'IV scans'], ['/special_analyses/iv_scans', 'IV scans'],
    ['/special_analyses/it_scans', 'IT scans'], ['/special_analyses/hv_scans', 'HV scans'],
    ['/special_analyses/cce_scans', 'CCE scans'], ['/special_analyses/ip_resolution', 'IP resolution'],
    ['/special_analyses/pv_resolution', 'PV resolution'],
    ['/run_view', `Data quality of run ${RUNS[0]}`], [`/run_view/${RUNS[2]}/noise/64`, 'Noise'],
    [`/run_view/${RUNS[1]}/dqs`, `Data quality of run ${RUNS[1]}`], [`/run_view/${XSS_RUN}/escaping`, 'Escaping'],
  ];
  for (const [url, heading] of pages) {
    const page = await open(url);
    assert.equal(await text(page, '#main > h1'), heading, `heading of ${url}`);
    assert.match(await page.title(), / · VELO Monitor$/);
    assert.equal(await page.locator('meta[name=description]').getAttribute('content'),
      'A monitoring application for the LHCb Vertex Locator.');
    assert.deepEqual(await page.locator('.nav-top a').allTextContents(),
      ['VELO view', 'Sensor view', 'Run view', 'TELL1 view', 'Special analyses', 'Alarms']);
    assert.equal(await page.locator('.nav-top li.active').count(), 1, `one section active on ${url}`);
    if (url.startsWith('/run_view')) await page.waitForFunction(() => window.veloPlotsDone !== undefined || !document.querySelector('.plot'));
    await assertClean(page, url);
    await page.close();
  }
});

test('pages without data say so', async () => {
  for (const [url, says] of [
    ['/sensor_view', /Choose a sensor/], ['/tell1_view', /Choose a sensor/],
    ['/velo_view/trends/tracks', /no tracks histograms/], ['/special_analyses/cce_scans', /not yet available/],
  ]) {
    const page = await open(url);
    assert.match(await text(page, '.notice'), says, url);
    await page.close();
  }
});

test('the overview lists the processed runs newest first, each linking to its DQ page', async () => {
  const page = await open('/');
  const links = await page.locator('.overview-table a.run-link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, [...RUNS, XSS_RUN].map((r) => `/run_view/${r}/dqs`));
  await page.locator('.overview-table a.run-link').nth(2).click();
  await page.waitForURL(`**/run_view/${RUNS[2]}/dqs`);
  assert.equal(await text(page, '.run-number'), `Run #${RUNS[2]} Select`);
  await page.close();
});

test('unknown paths are a 404 page in the site layout', async () => {
  for (const url of ['/nowhere', '/velo_view/nowhere', '/special_analyses/nowhere', '/velo_view/trends/nowhere']) {
    const page = await open(url, 404);
    assert.equal(await text(page, '#main > h1'), '404 Page not found');
    assert.equal(await page.locator('.nav-top a').count(), 6);
    await page.close();
  }
});

test('an unknown run view page is a 404 inside the run view layout', async () => {
  const page = await open(`/run_view/${RUNS[1]}/nowhere`, 404);
  assert.equal(await text(page, '#main > h1'), '404 Page not found');
  assert.equal(await text(page, '.run-number'), `Run #${RUNS[1]} Select`);
  const sidebar = await page.locator('.nav-sidebar a').allTextContents();
  assert.equal(sidebar.length, PAGE_COUNT);
  assert.deepEqual(sidebar.slice(0, 2), ['DQS', 'Pedestals']);
  assert.deepEqual(sidebar.slice(-2), ['Escaping', 'Broken']);
  await page.close();
});

test('the run view defaults to the newest run and the first page, and lists pages', async () => {
  const page = await open('/run_view');
  assert.equal(await text(page, '.run-number'), `Run #${RUNS[0]} Select`);
  assert.equal(await text(page, '.nav-sidebar li.active'), 'DQS');
  const page2 = await open(`/run_view/${RUNS[3]}/noise`);
  assert.equal(await text(page2, '.nav-sidebar li.active'), 'Noise');
  assert.equal(await page2.locator('.nav-sidebar li.active a').getAttribute('href'), `/run_view/${RUNS[3]}/noise`);
  await page.close();
  await page2.close();
});

test('invalid runs and sensors are reset with a flash message that shows once', async () => {
  const cases = [
    [`/run_view/555/noise/3`, `/run_view/${RUNS[0]}/noise/3`, `Invalid run number "555", reset to "${RUNS[0]}"`],
    [`/run_view/abc`, `/run_view/${RUNS[0]}/dqs/0`, `Invalid run number "abc", reset to "${RUNS[0]}"`],
    [`/run_view?run=&page=noise`, `/run_view/${RUNS[0]}/noise/0`, `Invalid run number "", reset to "${RUNS[0]}"`],
    [`/run_view/${RUNS[2]}/noise/999`, `/run_view/${RUNS[2]}/noise/0`, 'Invalid sensor number "999", reset to "0"'],
    [`/run_view/${RUNS[2]}/noise/x1`, `/run_view/${RUNS[2]}/noise/0`, 'Invalid sensor number "x1", reset to "0"'],
    [`/run_view?run=${RUNS[4]}&page=noise&sensor=42`, `/run_view/${RUNS[4]}/noise/0`, 'Invalid sensor number "42", reset to "0"'],
  ];
  for (const [url, landing, message] of cases) {
    const page = await open(url);
    assert.equal(new URL(page.url()).pathname, landing, url);
    assert.deepEqual((await page.locator('.flash').allTextContents()).map((s) => s.trim()), [message]);
    await page.reload();
    assert.equal(await page.locator('.flash').count(), 0, 'the message shows once');
    await page.close();
  }
  // Both wrong at once: both messages.
  const page = await open('/run_view?run=1&sensor=200&page=noise');
  assert.equal(new URL(page.url()).pathname, `/run_view/${RUNS[0]}/noise/0`);
  assert.equal(await page.locator('.flash').count(), 2);
  await page.close();
});

test('query parameters redirect to the canonical URL', async () => {
  const page = await open(`/run_view?run=${RUNS[3]}&page=noise&sensor=65`);
  assert.equal(new URL(page.url()).pathname, `/run_view/${RUNS[3]}/noise/65`);
  assert.equal(await page.locator('.flash').count(), 0);
  assert.equal(await page.locator('.sensor-selector input[name=sensor]').first().inputValue(), '65');
  await page.close();
});

test('the run selector offers nearby runs and suggests runs as the user types, and changes run', async () => {
  const idx = 4;
  const run = RUNS[idx];
  const page = await open(`/run_view/${run}/noise/65`);
  assert.equal(await page.locator('#run-selector').isVisible(), false);
  await page.locator('.run-number').click();
  await page.locator('#run-selector').waitFor({ state: 'visible' });
  const group = (n) => page.locator(`#nearby-runs optgroup:nth-child(${n}) option`).allTextContents();
  assert.deepEqual(await group(1), RUNS.slice(idx - 3, idx).map(String));
  assert.deepEqual(await group(2), [String(run)]);
  assert.deepEqual(await group(3), RUNS.slice(idx + 1, idx + 4).map(String));
  // No page embeds the run list: suggestions come from the server as the user types.
  const suggested = () => page.locator('#runs option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(await suggested(), []);
  const prefix = String(RUNS[0]).slice(0, 3);
  await page.locator('#run-field').fill(prefix);
  await waitFor('suggestions', async () => (await suggested()).length > 0);
  assert.deepEqual(await suggested(), RUNS.filter((r) => String(r).startsWith(prefix)).map(String));
  await page.locator('#run-field').fill('');
  // Choosing a nearby run and submitting keeps page and sensor.
  await page.locator('#nearby-runs').selectOption(String(RUNS[idx + 2]));
  assert.equal(await page.locator('#run-field').inputValue(), String(RUNS[idx + 2]));
  await page.locator('#run-selector button[type=submit]').click();
  await page.waitForURL(`**/run_view/${RUNS[idx + 2]}/noise/65`);
  assert.equal(await text(page, '.run-number'), `Run #${RUNS[idx + 2]} Select`);
  // Typing a run number.
  await page.locator('.run-number').click();
  await page.locator('#run-field').fill(String(RUNS[1]));
  await page.locator('#run-field').press('Enter');
  await page.waitForURL(`**/run_view/${RUNS[1]}/noise/65`);
  await assertClean(page, 'run selector');
  await page.close();
});

test('the sensor selector, the corresponding sensor link and the VELO layout change sensor', async () => {
  const run = RUNS[2];
  const page = await open(`/run_view/${run}/occupancy/3`);
  const pane = page.locator('.run-view-pane').first();
  assert.equal(await pane.locator('.sensor-selector input[name=sensor]').inputValue(), '3');
  assert.equal(await pane.locator('.corresponding-sensor').textContent(), 'Corresponding Φ sensor (#67)');
  assert.equal(await page.locator('#sensors option').count(), 88);
  // Only sensor-dependent plots have a selector.
  assert.equal(await page.locator('.run-view-pane').nth(1).locator('.sensor-selector').count(), 0);
  await pane.locator('.sensor-selector input[name=sensor]').fill('64');
  await pane.locator('.sensor-selector button[type=submit]').click();
  await page.waitForURL(`**/run_view/${run}/occupancy/64`);
  assert.equal(await page.locator('.run-view-pane').first().locator('.corresponding-sensor').textContent(), 'Corresponding R sensor (#0)');
  await page.locator('.run-view-pane').first().locator('.corresponding-sensor').click();
  await page.waitForURL(`**/run_view/${run}/occupancy/0`);
  await page.locator('.run-view-pane').first().getByText('See VELO layout').click();
  const dialog = page.locator('#velo-layout');
  await dialog.waitFor({ state: 'visible' });
  assert.deepEqual(await dialog.locator('.sensor-button.current').allTextContents(), ['0']);
  assert.equal(await dialog.locator('.sensor-button').count(), 88);
  await dialog.locator('.sensor-button', { hasText: /^105$/ }).click();
  await page.waitForURL(`**/run_view/${run}/occupancy/105`);
  await assertClean(page, 'sensor selector');
  await page.close();
});

test('one tab per plot; the URL hash remembers the tab', async () => {
  const page = await open(`/run_view/${RUNS[0]}/occupancy/0`);
  assert.deepEqual(await page.locator('.run-view-tab').allTextContents(),
    ['Channel occupancy', 'Average sensor occupancy', 'Occupancy spectrum', 'Occupancy vs. BCID (A side)',
      'Occupancy vs. BCID (C side)']);
  assert.deepEqual(await page.locator('.run-view-pane > h1').allTextContents(),
    ['Channel occupancy', 'Average sensor occupancy', 'Occupancy spectrum (zoom)',
      '% VELO occupancy vs. LHC bunch ID (A side)', '% VELO occupancy vs. LHC bunch ID (C side)']);
  const visibleHeadings = async () => (await Promise.all((await page.locator('.run-view-pane > h1').all())
    .map(async (h) => (await h.isVisible()) ? h.textContent() : null))).filter(Boolean);
  assert.deepEqual(await visibleHeadings(), ['Channel occupancy']);
  await page.locator('.run-view-tab a').nth(2).click();
  assert.equal(new URL(page.url()).hash, '#/velo_velooccupancymonitor_occspectmaxlow');
  assert.deepEqual(await visibleHeadings(), ['Occupancy spectrum (zoom)']);
  await page.reload();
  assert.deepEqual(await visibleHeadings(), ['Occupancy spectrum (zoom)']);
  assert.equal(await text(page, '.run-view-tab.active'), 'Occupancy spectrum');
  await page.close();
});

test('titles from URLs are escaped', async () => {
  const page = await open('/run_view/%3Cb%3Ebold/noise');
  assert.equal(await page.locator('.alert-danger b').count(), 0);
  assert.match(await text(page, '.flash'), /Invalid run number "<b>bold"/);
  await page.close();
});

// --- plots: through the job system (velo-web /jobs and velo-worker) ----------------------------


async function plotsDone(page) {
  await page.waitForFunction(() => window.veloPlotsDone !== undefined, null, { timeout: 20000 });
}

test('the run view draws every plot of a page', async () => {
  const page = await open(`/run_view/${RUNS[0]}/occupancy/0`);
  await plotsDone(page);
  assert.equal(await page.locator('.plot-error').count(), 0, await page.locator('.plot-error').allTextContents().then(String));
  const plots = page.locator('.plot');
  assert.equal(await plots.count(), 5);
  for (let i = 0; i < 5; i++) {
    assert.ok(await plots.nth(i).evaluate((el) => el.classList.contains('drawn')), `plot ${i} drawn`);
    assert.equal(await plots.nth(i).locator('svg').count() > 0, true, `plot ${i} has an SVG`);
  }
  // The bins are in the SVG: a 2D colour map draws one element per filled bin, a 1D histogram a
  // path through them; and the statistics box shows entries, mean and RMS.
  const svgText = async (i) => plots.nth(i).locator('svg').first().evaluate((s) => s.textContent);
  assert.match(await svgText(0), /Entries/);
  assert.match(await svgText(0), /Mean/);
  assert.match(await svgText(0), /Std Dev/);
  const path1d = await plots.nth(0).locator('svg path.th1_draw, svg .main_layer path').first().getAttribute('d');
  assert.ok(path1d && path1d.length > 100, 'the 1D histogram path has its bins');
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'run-view-occupancy.png') });
  await assertClean(page, 'occupancy');
  await page.close();
});

// Paths JSROOT stroked in red (the reference's colour) with more than a few points.
async function referencePaths(plot) {
  return plot.evaluate((el) => Array.from(el.querySelectorAll('path'))
    .filter((p) => getComputedStyle(p).stroke === 'rgb(255, 0, 0)' && (p.getAttribute('d') || '').length > 100).length);
}

test('the reference run is overlaid, with a control to show or hide it', async () => {
  const page = await open(`/run_view/${RUNS[0]}/occupancy/0`);
  await plotsDone(page);
  const plot = page.locator('.plot').first();
  const toggle = page.locator('.run-view-pane').first().locator('.reference-toggle input');
  assert.equal(await toggle.isChecked(), true);
  assert.equal(await text(page, '.reference-toggle'), `Show reference run (#${RUNS[RUNS.length - 1]})`);
  assert.equal(await referencePaths(plot), 1);
  await toggle.uncheck();
  await page.waitForFunction((el) => !Array.from(el.querySelectorAll('path'))
    .some((p) => getComputedStyle(p).stroke === 'rgb(255, 0, 0)'), await plot.elementHandle());
  await toggle.check();
  await page.waitForFunction((el) => Array.from(el.querySelectorAll('path'))
    .some((p) => getComputedStyle(p).stroke === 'rgb(255, 0, 0)'), await plot.elementHandle());
  await assertClean(page, 'reference toggle');
  await page.close();
  // A run outside every reference range says so instead of overlaying.
  const other = await open(`/run_view/${XSS_RUN}/escaping`);
  await plotsDone(other);
  assert.equal(await other.locator('.reference-toggle').count(), 0);
  assert.match(await text(other, '.reference-note'), /^No reference plot: /);
  await other.close();
});

test('every plot of the pedestals page draws, the 2D one as a colour map', async () => {
  const page = await open(`/run_view/${RUNS[1]}/pedestals/65`);
  await plotsDone(page);
  assert.equal(await page.locator('.plot-error').count(), 0, String(await page.locator('.plot-error').allTextContents()));
  assert.equal(await page.locator('.plot.drawn').count(), 3);
  assert.equal(await page.locator('.plot').nth(2).locator('.zaxis_container').count() > 0, true, 'a colour axis');
  await assertClean(page, 'pedestals');
  await page.close();
});

test('a failed plot shows an error box naming it', async () => {
  const page = await open(`/run_view/${RUNS[0]}/broken`);
  await plotsDone(page);
  assert.equal(await page.locator('.plot.drawn').count(), 1);
  const errors = page.locator('.plot-error');
  assert.equal(await errors.count(), 1);
  assert.equal(await errors.locator('code').textContent(), 'A plot no run file has');
  assert.match(await errors.locator('.plot-error-message').textContent(), /NoSuchPlot/);
  await page.close();
});

test('a failed plot can be tried again from its error box', async () => {
  const page = await open(`/run_view/${RUNS[0]}/broken`);
  await plotsDone(page);
  const posts = [];
  page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname === '/jobs') posts.push(r.postDataJSON().args); });
  // The failed plot's tab opened, as a shifter would.
  const pane = await page.locator('.plot-error').evaluate((e) => e.closest('.run-view-pane').id);
  await page.locator(`.run-view-tab a[data-pane="${pane}"]`).click();
  await page.locator('.plot-error .plot-retry').click();
  // The plot's job is asked for again, and fails again the same way.
  await waitFor('the job posted again', () => posts.some((a) => String(a.name).includes('NoSuchPlot') && !a.reference));
  await page.locator('.plot-error .plot-error-message').waitFor();
  assert.match(await page.locator('.plot-error .plot-error-message').textContent(), /NoSuchPlot/);
  assert.equal(await page.locator('.plot-error').count(), 1);
  assert.equal(await page.locator('.plot.drawn').count(), 1);
  await page.close();
});

test('while the job queue is away the plots wait for it, then draw', async () => {
  await stack.stopRedis();
  let restarted = false;
  try {
    const page = await stack.newPage();
    let refused = 0;
    page.expectStatus = (r) => {
      const away = r.status() === 503 && new URL(r.url()).pathname === '/jobs';
      if (away) refused++;
      return away;
    };
    await page.goto(stack.base + `/run_view/${RUNS[1]}/pedestals/3`);
    // The open tab's plot says what it waits for, and no plot gives up.
    await page.locator('.run-view-pane.active .plot-waiting').first().waitFor();
    assert.match(await text(page, '.run-view-pane.active .plot-waiting'), /job queue is unavailable.*asking again/);
    assert.ok(refused > 0);
    assert.equal(await page.locator('.plot-error').count(), 0);
    await stack.startRedis();
    restarted = true;
    await plotsDone(page);
    assert.equal(await page.locator('.plot-error').count(), 0, String(await page.locator('.plot-error').allTextContents()));
    assert.equal(await page.locator('.plot.drawn').count(), 3);
    assert.equal(await page.locator('.plot-waiting').count(), 0);
    await assertClean(page, 'pedestals after the queue came back');
    await page.close();
  } finally {
    if (!restarted) await stack.startRedis();
  }
});

test('a histogram whose title holds <script> shows it as text', async () => {
  const page = await open(`/run_view/${XSS_RUN}/escaping`);
  await plotsDone(page);
  const plot = page.locator('.plot').first();
  assert.ok(await plot.evaluate((el) => el.classList.contains('drawn')));
  assert.equal(await page.evaluate(() => window.xssRan), undefined);
  assert.equal(await plot.locator('script, img').count(), 0);
  assert.match(await plot.locator('svg').first().evaluate((s) => s.textContent), /<script>window\.xssRan = 1<\/script>/);
  await page.close();
});

// --- the sketch drawn before JSROOT -----------------------------------------------------------

// Holds the JSROOT bundle's response until `release()`: the page then shows what it shows before
// JSROOT has arrived, for as long as the test needs to look.
async function holdJsroot(page) {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  let asked;
  const requested = new Promise((resolve) => { asked = resolve; });
  await page.route('**/static/jsroot/**', async (route) => {
    asked();
    await held;
    await route.continue();
  });
  return { release, requested };
}

test('the open tab is sketched as soon as its answer is in, and JSROOT takes over', async () => {
  const page = await stack.newPage();
  const jsroot = await holdJsroot(page);
  // The held bundle is preloaded: the page's load event waits for it.
  await page.goto(`${stack.base}/run_view/${RUNS[0]}/occupancy/0`, { waitUntil: 'commit' });
  const plot = page.locator('.run-view-pane.active .plot');
  await plot.locator('.plot-sketch svg').waitFor({ timeout: 20000 });
  // JSROOT is asked for only once the open tab's answers are in: it has not run yet.
  await jsroot.requested;
  assert.equal(await page.evaluate(() => typeof window.JSROOT), 'undefined');
  assert.equal(await page.evaluate(() => [typeof window.veloFirstPaint, typeof window.veloFirstPlotDone].join()), 'number,undefined');
  assert.ok(await plot.evaluate((el) => el.classList.contains('sketched') && !el.classList.contains('drawn')));
  // The plot's bins, its reference in red, its title and statistics, as the job answered them.
  const sketch = plot.locator('.plot-sketch svg');
  const series = sketch.locator('path.sketch-series');
  assert.equal(await series.count(), 2);
  assert.ok((await series.nth(0).getAttribute('d')).length > 2000, 'the 2048 bins are in the path');
  assert.equal(await series.nth(1).getAttribute('stroke'), '#f00');
  const svgText = await sketch.evaluate((s) => s.textContent);
  assert.match(svgText, /Occupancy per channel, sensor 0/);
  assert.match(svgText, /Entries.*2048/);
  assert.match(svgText, /Chip channel/);
  // Hidden tabs are not sketched: JSROOT draws them.
  assert.equal(await page.locator('.plot-sketch').count(), 1);

  jsroot.release();
  await plotsDone(page);
  assert.equal(await page.locator('.plot.drawn').count(), 5);
  assert.equal(await page.locator('.plot-sketch, .plot.sketched').count(), 0, 'the sketch gave way to JSROOT');
  assert.ok(await page.evaluate(() => window.veloFirstPaint < window.veloFirstPlotDone));
  assert.equal(await referencePaths(plot), 1);
  await assertClean(page, 'sketch then JSROOT');
  await page.close();
});

test('without JSROOT every plot is still shown, as a sketch, with a note saying why', async () => {
  const page = await stack.newPage();
  await page.route('**/static/jsroot/**', (route) => route.abort('aborted'));
  await page.goto(`${stack.base}/run_view/${RUNS[0]}/pedestals/3`);
  await plotsDone(page);
  assert.equal(await page.locator('.plot.drawn, .plot-error').count(), 0);
  const notes = page.locator('.sketch-note');
  assert.equal(await notes.count(), 3);
  assert.match(await notes.first().textContent(), /Interactive drawing unavailable \(the JSROOT library did not load/);
  // A hidden tab is sketched when it is opened (it had no size to draw in before); the third
  // is a 2D histogram, drawn as an image of its cells.
  const tabs = page.locator('.run-view-tab a');
  for (let i = 0; i < 3; i++) {
    await tabs.nth(i).click();
    const sketch = page.locator('.run-view-pane.active .plot .plot-sketch svg');
    await sketch.waitFor({ timeout: 5000 });
    const is2d = (await sketch.locator('image').count()) === 1;
    assert.equal(is2d, i === 2, `tab ${i}`);
    if (!is2d) assert.ok((await sketch.locator('path.sketch-series, path.sketch-markers').first().getAttribute('d')).length > 2000);
    assert.ok((await sketch.evaluate((s) => s.getBoundingClientRect().width)) > 300, `tab ${i} sketched at its size`);
  }
  await assertClean(page, 'no JSROOT');
  await page.close();
});

test('a sketched title that holds <script> is text', async () => {
  const page = await stack.newPage();
  const jsroot = await holdJsroot(page);
  await page.goto(`${stack.base}/run_view/${XSS_RUN}/escaping`, { waitUntil: 'commit' });
  const sketch = page.locator('.plot').first().locator('.plot-sketch svg');
  await sketch.waitFor({ timeout: 20000 });
  assert.match(await sketch.evaluate((s) => s.textContent), /<script>window\.xssRan = 1<\/script>/);
  assert.equal(await page.locator('.plot script, .plot img').count(), 0);
  assert.equal(await page.evaluate(() => window.xssRan), undefined);
  jsroot.release();
  await plotsDone(page);
  await page.close();
});

// --- URLs, headers and the Content-Security-Policy -----------------------------------------------

test('a malformed URL hash opens the first tab and every plot still draws', async () => {
  for (const hash of ['#/%', '#/%E0%A4%A', '#%', '#/nosuchpane', '#/' + 'x'.repeat(5000)]) {
    const page = await open(`/run_view/${RUNS[0]}/occupancy/0${hash}`);
    await plotsDone(page);
    assert.equal(await page.locator('.plot.drawn').count(), 5, hash);
    assert.equal(await text(page, '.run-view-tab.active'), 'Channel occupancy', hash);
    await assertClean(page, hash);
    await page.close();
  }
});

test('pages link static files by content-hashed URLs, cached for good', async () => {
  const page = await open(`/run_view/${RUNS[0]}/occupancy/0`);
  await plotsDone(page);
  const urls = await page.evaluate(() => [
    ...Array.from(document.querySelectorAll('script[src], link[href^="/static"]'), (e) => e.getAttribute('src') || e.getAttribute('href')),
    document.querySelector('script[data-jsroot]').dataset.jsroot,
  ]);
  assert.ok(urls.length >= 5, String(urls));
  for (const u of urls) {
    assert.match(u, /^\/static\/(velo|jsroot)\/[0-9a-f]{16}\/[\w.-]+$/, u);
    const res = await fetch(stack.base + u, { headers: { 'Accept-Encoding': 'br, gzip' } });
    assert.equal(res.status, 200, u);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', u);
  }
  // Only the histogram painters' bundle of JSROOT, not the full build.
  const scripts = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/jsroot/')));
  assert.deepEqual(scripts.map((n) => n.split('/').pop()), ['jsroot-velo.min.js']);
  await page.close();
});

test('every page sends the security headers, and the browser enforces the script policy', async () => {
  for (const url of ['/', `/run_view/${RUNS[0]}/occupancy/0`, '/nowhere']) {
    const res = await fetch(stack.base + url);
    const csp = res.headers.get('content-security-policy');
    // This origin, and our one inline script by its hash: never 'unsafe-inline'.
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/]{43}=';/, url);
    assert.doesNotMatch(csp, /unsafe-inline'[^;]*;\s*style-src|script-src[^;]*unsafe/, url);
    assert.match(csp, /frame-ancestors 'none'/, url);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', url);
    assert.equal(res.headers.get('referrer-policy'), 'same-origin', url);
  }
  // A script that markup slipped into the page could add does not run.
  const page = await open(`/run_view/${RUNS[0]}/occupancy/0`);
  await plotsDone(page);
  const ran = await page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('securitypolicyviolation', () => resolve(window.injectedRan === 1));
    const s = document.createElement('script');
    s.textContent = 'window.injectedRan = 1';
    document.body.append(s);
    // Without the policy the script has run by now, and no refusal comes.
    if (window.injectedRan === 1) resolve(true);
  }));
  assert.equal(ran, false);
  await page.close();
});

test('the open tab is queued and drawn first', async () => {
  const page = await stack.newPage();
  await page.addInitScript(() => {
    window.veloDrawOrder = [];
    new MutationObserver((changes) => changes.forEach(({ target }) => {
      if (target.classList.contains('drawn') && !window.veloDrawOrder.includes(target.dataset.name)) {
        window.veloDrawOrder.push(target.dataset.name);
      }
    })).observe(document, { subtree: true, attributes: true, attributeFilter: ['class'] });
  });
  const posted = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/jobs') posted.push(JSON.parse(r.postData()).args.name);
  });
  // The third tab open: not the first in the page.
  await page.goto(`${stack.base}/run_view/${RUNS[0]}/occupancy/0#/velo_velooccupancymonitor_occspectmaxlow`);
  await plotsDone(page);
  const open = await page.locator('.run-view-pane.active .plot').getAttribute('data-name');
  const first = await page.locator('.plot').first().getAttribute('data-name');
  assert.notEqual(open, first);
  // Its plot and its reference are the first two jobs; its plot is drawn before the others.
  assert.deepEqual(posted.slice(0, 2), [open, open]);
  const order = await page.evaluate(() => window.veloDrawOrder);
  assert.equal(order.length, 5);
  assert.equal(order[0], open);
  await assertClean(page, 'draw order');
  await page.close();
});

test('the plot jobs are posted from the head while the page is parsed, each once', async () => {
  const page = await stack.newPage();
  const posted = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/jobs') posted.push(JSON.parse(r.postData()).args);
  });
  await page.goto(`${stack.base}/run_view/${RUNS[0]}/occupancy/0#/velo_velooccupancymonitor_occspectmaxlow`);
  await plotsDone(page);
  // Every plot and its reference, once: velo_monitor.js took the jobs up rather than post again.
  assert.equal(posted.length, 10);
  assert.equal(new Set(posted.map((a) => JSON.stringify(a))).size, 10);
  assert.deepEqual(posted.slice(0, 2).map((a) => a.name), Array(2).fill(await page.locator('.run-view-pane.active .plot').getAttribute('data-name')));
  // Before the page's own scripts: the first job was on its way before the parser finished.
  const [firstJob, parsed] = await page.evaluate(() => [
    Math.min(...performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/jobs')).map((e) => e.startTime)),
    performance.getEntriesByType('navigation')[0].domInteractive,
  ]);
  assert.ok(firstJob < parsed, `first job at ${firstJob} ms, page parsed at ${parsed} ms`);
  assert.equal(await page.locator('.plot.drawn').count(), 5);
  await assertClean(page, 'jobs from the head');
  await page.close();
});

test('tests leave the screenshots in docs/ as they were', () => {
  assert.deepEqual(docsScreenshots(), docsScreenshotsBefore);
});
