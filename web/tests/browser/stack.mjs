// The real VELO monitor stack for browser tests and timings: redis-server on a free port,
// velo-web and velo-worker from target/, a run data directory, and headless Chromium.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

// Not import.meta.dirname: that needs Node 20.11, and Debian 12 and Ubuntu 24.04 ship Node 18.
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// Screenshots the tests take (for a person to look at after a run), under target/ and never in
// docs/: the ones there are chosen by hand.
export const SCREENSHOT_DIR = path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'browser-screenshots');
// VELO_BIN_DIR picks other builds (e.g. target/release for timings).
const BIN = process.env.VELO_BIN_DIR || path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'debug');

// Runs of the fixture, newest first (filled by startStack from the demo dataset's run list).
// XSS_RUN, older than all, holds a histogram whose title is markup.
export const RUNS = [];
export const XSS_RUN = 100000;
export const XSS_TITLE = '<script>window.xssRan = 1</script><img src=x onerror="window.xssRan = 2">';

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Poll `check` until it returns a truthy value; fails after `ms` naming `what`.
export async function waitFor(what, check, ms = 10000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// The original Vetra layout of run directories (veloview::runview::paths::run_dir):
// run 123987 → 100000s/120000s/123000s/123900s/123987.
function runDir(base, run) {
  const d = String(run);
  const parts = [];
  for (let i = d.length; i >= 3; i--) parts.push(d.slice(0, d.length - i + 1) + '0'.repeat(i - 1) + 's');
  return path.join(base, ...parts, d);
}

// The bundled run view pages, and two for the tests: a plot with a hostile title, and a page
// where one plot exists and one does not.
const TEST_PAGES_TOML = `
[[page]]
key = "escaping"
title = "Escaping"

[[page.plot]]
title = "Plot with a hostile title"
name = "Test/hostile"

[[page]]
key = "broken"
title = "Broken"

[[page.plot]]
title = "Number of VELO clusters per event (Default)"
short = "Clusters per event"
name = "Velo/VeloClusterMonitor/# VELO clusters"

[[page.plot]]
title = "A plot no run file has"
short = "Missing"
name = "Velo/Nowhere/NoSuchPlot"
`;

// How many demo runs: enough for the run selector's three groups of nearby runs.
const DEMO_RUNS = 9;

// The newest file of a run (the one the run view reads).
export function runFile(dir, run) {
  const d = runDir(dir, run);
  const files = fs.readdirSync(d).filter((f) => f.endsWith('.root')).sort();
  return path.join(d, files[files.length - 1]);
}

// The demo dataset (`veloview demo-data`), plus a run written here with uproot whose histogram
// title is markup (the demo dataset has none).
function makeRunData(dir) {
  execFileSync(path.join(BIN, 'veloview'), ['demo-data', dir, '--runs', String(DEMO_RUNS), '--seed', '1'], { stdio: 'pipe' });
  const demoRuns = fs.readFileSync(path.join(dir, 'RunList.txt'), 'utf8').split('\n').filter(Boolean).map(Number);
  RUNS.splice(0, RUNS.length, ...demoRuns.sort((a, b) => b - a));
  const xd = runDir(dir, XSS_RUN);
  fs.mkdirSync(xd, { recursive: true });
  const script = `
import sys, numpy, uproot
from uproot.writing.identify import to_TH1x, to_TAxis
edges = numpy.linspace(0.0, 10.0, 11)
values = numpy.array([0, 1, 4, 9, 16, 25, 16, 9, 4, 1, 0, 0], dtype=numpy.float64)
axis = to_TAxis("xaxis", "x", 10, 0.0, 10.0)
h = to_TH1x("hostile", sys.argv[2], values, 85.0, 85.0, 85.0, 425.0, 2465.0, values, axis)
with uproot.recreate(sys.argv[1]) as f:
    f["Test/hostile"] = h
`;
  execFileSync('python3', ['-c', script, path.join(xd, `run_${XSS_RUN}_2026-11-27.root`), XSS_TITLE]);
  fs.appendFileSync(path.join(dir, 'RunList.txt'), `${XSS_RUN}\n`);
  const pages = fs.readFileSync(path.join(ROOT, 'config/pages.toml'), 'utf8');
  fs.writeFileSync(path.join(dir, 'pages.toml'), pages + TEST_PAGES_TOML);
  // Every demo run is compared with the oldest demo run; the hostile-title run has no reference.
  const oldest = RUNS[RUNS.length - 1];
  fs.writeFileSync(path.join(dir, 'references.toml'),
    `[[range]]\nfirst = ${oldest}\nlast = ${RUNS[0]}\nreference = ${oldest}\n`);
}

function start(name, cmd, args, env, procs) {
  const p = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  p.output = '';
  const keep = (b) => { p.output = (p.output + b.toString()).slice(-20000); };
  p.stdout.on('data', keep);
  p.stderr.on('data', keep);
  p.label = name;
  procs.push(p);
  return p;
}

async function httpOk(url) {
  const r = await fetch(url);
  return r.status < 500;
}

// Start everything; returns { base, dataDir, newPage, stop, logs }.
// `scan`: the workers evaluate the demo runs themselves (every second), instead of the tests
// recording evaluations.
export async function startStack({ workers = 1, scan = false } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'velo-pages-'));
  const dataDir = path.join(tmp, 'runs');
  fs.mkdirSync(dataDir);
  makeRunData(dataDir);
  const procs = [];
  const redisPort = await freePort();
  const webPort = await freePort();
  const env = {
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    PORT: String(webPort),
    VELO_RUN_DATA_DIR: dataDir,
    VELO_RUN_LIST_FILE: path.join(dataDir, 'RunList.txt'),
    VELO_PAGES_FILE: path.join(dataDir, 'pages.toml'),
    VELO_REFERENCES_FILE: path.join(dataDir, 'references.toml'),
    VELO_JSROOT_DIR: path.join(ROOT, 'web/node_modules/jsroot/build'),
    VELO_LOG_FILE: '',
    // Data quality: a SQLite store of its own; the proxy's user header is believed from this
    // machine (the browser's address), as a deployment behind nginx on the same host would.
    VELO_DQ_DATABASE_URL: `sqlite://${path.join(tmp, 'dq.sqlite3')}`,
    VELO_AUTH_PROXY_ADDRESSES: '127.0.0.1',
    VELO_API_TOKENS_FILE: path.join(tmp, 'tokens.txt'),
    // The tests record the evaluations they show (importDq): the workers' own scan stays off,
    // so it does not replace them with evaluations of the demo files.
    VELO_DQ_SCAN_SECS: scan ? '1' : '0',
    VELO_RUN_INFO_FILE: path.join(dataDir, 'RunInfo.csv'),
    RUST_LOG: 'warn',
  };
  const stop = async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exitCode !== null ? null : new Promise((r) => p.once('exit', r))));
    if (chromiumApp) await chromiumApp.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  let browser = null;
  let chromiumApp = null;
  try {
    const redisArgs = ['--port', String(redisPort), '--save', '', '--appendonly', 'no'];
    let redis = start('redis', 'redis-server', redisArgs, {}, procs);
    const web = start('velo-web', path.join(BIN, 'velo-web'), [], env, procs);
    for (let i = 0; i < workers; i++) start(`velo-worker-${i}`, path.join(BIN, 'velo-worker'), [], env, procs);
    const base = `http://127.0.0.1:${webPort}`;
    await waitFor('velo-web to listen', async () => {
      if (web.exitCode !== null) throw new Error(`velo-web exited: ${web.output}`);
      return httpOk(base + '/');
    });
    chromiumApp = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    const viewport = { width: 1280, height: 900 };
    browser = await chromiumApp.newContext({ viewport });
    // A page whose console errors, uncaught exceptions and failed requests are collected.
    // `fresh`: in a browser context of its own, with empty caches (close it with
    // page.context().close()).
    const newPage = async ({ fresh = false } = {}) => {
      const page = await (fresh ? await chromiumApp.newContext({ viewport }) : browser).newPage();
      page.problems = [];
      // Content-Security-Policy refusals, whether or not the console reports them.
      await page.addInitScript(() => {
        window.veloCspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => {
          window.veloCspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
        });
      });
      // A failed load is reported with its URL by 'response'; the console's copy has none.
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(`console: ${m.text()}`);
      });
      page.on('response', (r) => {
        const expected = page.expectStatus && page.expectStatus(r);
        if (r.status() >= 400 && !expected) page.problems.push(`HTTP ${r.status()} ${r.url()}`);
      });
      page.on('pageerror', (e) => page.problems.push(`exception: ${e.message}`));
      // ERR_ABORTED is the browser cancelling a page's requests (a long-poll) as it navigates away.
      page.on('requestfailed', (r) => {
        const why = r.failure()?.errorText;
        if (why !== 'net::ERR_ABORTED') page.problems.push(`request failed: ${r.url()} ${why}`);
      });
      return page;
    };
    const logs = () => procs.map((p) => `--- ${p.label}\n${p.output}`).join('\n');
    // Record evaluations and run info in the store, as the workers would (`velo-web import-dq`).
    let imports = 0;
    const importDq = (data) => {
      const file = path.join(tmp, `import-${imports++}.json`);
      fs.writeFileSync(file, JSON.stringify(data));
      execFileSync(path.join(BIN, 'velo-web'), ['import-dq', file], { env: { ...process.env, ...env }, stdio: 'pipe' });
    };
    // Redis away and back, on the same port (empty, as the bundled one restarts).
    const stopRedis = async () => {
      if (redis.exitCode === null) {
        const gone = new Promise((r) => redis.once('exit', r));
        redis.kill('SIGTERM');
        await gone;
      }
    };
    const startRedis = async () => {
      redis = start('redis', 'redis-server', redisArgs, {}, procs);
      await waitFor('Redis to answer', async () => (await fetch(base + '/healthz')).status === 200, 30000);
    };
    return { base, dataDir, newPage, stop, logs, importDq, env, stopRedis, startRedis };
  } catch (e) {
    const logs = procs.map((p) => `--- ${p.label}\n${p.output}`).join('\n');
    await stop();
    throw new Error(`${e.message}\n${logs}`);
  }
}
