// First load of the browser app in headless Chromium, from a fresh profile
// (nothing cached): the bytes the page fetches before it is interactive and
// the time from navigation until the new-sweep form can be used. Then the
// CPU worker's first fetch: the bytes a first CPU sweep adds. Serves dist/ as
// it is (run `make dist` for the release build; the dev build is ~10x larger).
// Usage: node bench/browser/first-load.js [runs]
import { serve, launch, fillSmallSweep } from '../../tests/browser/harness.js';

const runs = Number(process.argv[2] || 3);
const server = await serve();
const results = [];
for (let i = 1; i <= runs; i++) {
  const browser = await launch({ webgpu: false });
  try {
    const page = await browser.context.newPage();
    const bytes = new Map();
    page.on('response', async (r) => {
      try { bytes.set(r.url(), (await r.body()).length); } catch { /* redirects, aborted */ }
    });
    const start = Date.now();
    await page.goto(server.url, { waitUntil: 'commit' });
    await page.waitForSelector('#new-sweep:not([disabled])', { timeout: 120_000 });
    const interactive = Date.now() - start;
    await page.waitForLoadState('networkidle');
    const pageBytes = [...bytes.values()].reduce((a, b) => a + b, 0);
    // A first CPU sweep fetches the CPU worker (and the data subset).
    await fillSmallSweep(page, { name: `first-load-${i}` });
    await page.click('#start');
    await page.waitForFunction(() => /trials finished · (running|finished)/.test(document.querySelector('#trial-count')?.textContent || ''), null, { timeout: 300_000 });
    await page.waitForLoadState('networkidle');
    const worker = [...bytes].filter(([u]) => /cpu_worker/.test(u)).reduce((a, [, b]) => a + b, 0);
    const data = [...bytes].filter(([u]) => /\/data\//.test(u)).reduce((a, [, b]) => a + b, 0);
    console.log(`run ${i}: interactive after ${interactive} ms, page ${pageBytes} bytes; first CPU sweep adds the worker ${worker} bytes and data ${data} bytes`);
    results.push({ interactive, pageBytes, worker, data });
  } finally {
    await browser.close();
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median: interactive ${median(results.map((r) => r.interactive))} ms, page ${median(results.map((r) => r.pageBytes))} bytes, CPU worker ${median(results.map((r) => r.worker))} bytes (uncompressed; the test server does not gzip)`);
await server.close();
