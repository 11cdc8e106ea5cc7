// Where one load of the five-plot run view spends its renderer's main thread, from Chromium's own
// trace (the DevTools protocol's Tracing domain): every main-thread task of 2 ms or more, in
// order, in ms from the navigation's start, and the totals of style, layout and paint. The
// figures in docs/PERFORMANCE.md ("Pages", second pass) came from it. Usage:
//   cargo build --release --workspace --bins
//   VELO_BIN_DIR=target/release node web/tests/browser/load_trace.mjs [cold|warm]
// cold: a fresh browser context (a shifter's first visit); warm: the third load in one context.
// The result cache is filled by a load before, so the jobs are cache hits either way.

import { startStack, RUNS } from './stack.mjs';

const warm = process.argv[2] === 'warm';
const stack = await startStack({ workers: 2 });
try {
  const url = `${stack.base}/run_view/${RUNS[0]}/occupancy/0`;
  const load = async (page) => {
    await page.goto(url);
    await page.waitForFunction(() => window.veloPlotsDone !== undefined, null, { timeout: 30000 });
  };
  const first = await stack.newPage({ fresh: true });
  await load(first);
  await first.context().close();

  const page = await stack.newPage({ fresh: true });
  if (warm) for (let i = 0; i < 2; i++) await load(page);
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,v8,v8.execute,blink.user_timing,loading',
    transferMode: 'ReportEvents',
  });
  await load(page);
  const [openTab, all, paint] = await page.evaluate(() => [window.veloFirstPlotDone, window.veloPlotsDone, window.veloFirstPaint]);
  await cdp.send('Tracing.end');
  await complete;

  // The renderer's main thread is the one that parsed this page's HTML.
  const parse = events.filter((e) => e.name === 'ParseHTML').pop();
  const onMain = (e) => e.pid === parse.pid && e.tid === parse.tid && e.ph === 'X';
  const t0 = Math.min(...events.filter((e) => e.name === 'navigationStart' && e.pid === parse.pid).map((e) => e.ts));
  const ms = (us) => (us / 1000).toFixed(1);
  console.log(`sketch at ${paint?.toFixed(0)} ms; ${warm ? "warm" : "cold"} load: open tab drawn at ${openTab.toFixed(0)} ms, all five plots at ${all.toFixed(0)} ms`);
  for (const e of events.filter((e) => onMain(e) && e.dur >= 2000).sort((a, b) => a.ts - b.ts)) {
    const what = String(e.args?.data?.url || e.args?.data?.functionName || '').split('/').pop();
    console.log(`${ms(e.ts - t0).padStart(8)} +${ms(e.dur).padStart(7)}  ${e.name} ${what}`);
  }
  const totals = {};
  for (const e of events.filter(onMain)) {
    if (['ParseHTML', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'v8.compile'].includes(e.name)) {
      totals[e.name] = (totals[e.name] || 0) + e.dur / 1000;
    }
  }
  console.log('main-thread totals (ms):', Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, Number(v.toFixed(1))])));
} finally {
  await stack.stop();
}
