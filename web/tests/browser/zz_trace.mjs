import fs from 'node:fs';
import { startStack, RUNS } from './stack.mjs';
const stack = await startStack({ workers: 2 });
try {
  const url = `${stack.base}/run_view/${RUNS[0]}/occupancy/0`;
  { const p = await stack.newPage({ fresh: true }); await p.goto(url); await p.waitForFunction(() => window.veloPlotsDone !== undefined); await p.context().close(); }
  const page = await stack.newPage({ fresh: true });
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
  const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,v8,v8.execute,blink.user_timing,loading', transferMode: 'ReportEvents' });
  await page.goto(url);
  await page.waitForFunction(() => window.veloPlotsDone !== undefined, null, { timeout: 30000 });
  const t = await page.evaluate(() => [window.veloFirstPlotDone, window.veloPlotsDone, document.querySelectorAll('*').length]);
  await cdp.send('Tracing.end'); await done;
  console.log('first/all/elements', t);
  const nav = events.find((e) => e.name === 'navigationStart' || e.name === 'NavigationTiming' ) ;
  const mainPid = events.find((e) => e.name === 'ParseHTML').pid; const mainTid = events.find((e) => e.name === 'ParseHTML').tid;
  const t0 = Math.min(...events.filter((e) => e.name === 'navigationStart' && e.pid === mainPid).map((e) => e.ts));
  const main = events.filter((e) => e.pid === mainPid && e.tid === mainTid && e.ph === 'X' && e.dur > 2000);
  const names0 = new Set(['ParseHTML','EvaluateScript','v8.compile','v8.compileModule','FunctionCall','Layout','UpdateLayoutTree','Paint','TimerFire','EventDispatch','v8.run','RunMicrotasks','v8.produceCache','ParseAuthorStyleSheet','PrePaint','Layerize','v8.parseOnBackground','HitTest']);
  for (const e of main.sort((a,b)=>a.ts-b.ts)) if (true) console.log(((e.ts - t0)/1000).toFixed(0).padStart(5), '+', (e.dur/1000).toFixed(1).padStart(6), e.name, (e.args?.data?.url||e.args?.data?.functionName||'').toString().split('/').pop(), e.name==='Layout'||e.name==='UpdateLayoutTree' ? JSON.stringify(e.args).slice(0,200) : '');
  const sum = {}; for (const e of events.filter((e) => e.pid === mainPid && e.tid === mainTid && e.ph === 'X')) if (['Layout','UpdateLayoutTree','Paint','v8.compile','PrePaint','ParseHTML','HitTest','Layerize'].includes(e.name)) sum[e.name] = (sum[e.name]||0) + e.dur/1000;
  console.log(sum);
  const bg = events.filter((e) => e.name.includes('Stream') || e.name === 'v8.parseOnBackground' ).length; console.log('streaming events', bg);
} finally { await stack.stop(); }
