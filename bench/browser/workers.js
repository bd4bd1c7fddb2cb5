// CPU workers in the browser app: the same 8-trial CPU sweep (a CNN, 2x2
// cells x 2 repeats, 1 epoch on 6,000 images) with 1 and with 2 workers,
// alternately (1 2 1 2 ...), in headless Chromium without WebGPU. Prints the
// wall seconds of each run, the median ratio (2 workers / 1), and the
// browser's resident memory at the end of each run (all its processes; the
// difference between the two is what a second worker costs).
// Usage: node bench/browser/workers.js [pairs] (after `trunk build`).
import { execFileSync } from 'node:child_process';
import { serve, launch, openApp, fillSmallSweep, waitFinished } from '../../tests/browser/harness.js';

const pairs = Number(process.argv[2] || 2);
const server = await serve();

/** Resident set of every Chromium process, in MB. */
function chromiumRssMb() {
  const out = execFileSync('ps', ['-C', 'chromium', '-o', 'rss=']).toString();
  return out.split('\n').filter(Boolean).reduce((a, b) => a + Number(b), 0) / 1024;
}

async function run(workers, i) {
  const browser = await launch({ webgpu: false });
  try {
    const { page } = await openApp(browser.context, server.url);
    await page.fill('#cpu-workers', String(workers));
    await page.dispatchEvent('#cpu-workers', 'change');
    await fillSmallSweep(page, { name: `workers-${workers}-${i}`, repeats: 2, template: 'cnn', train: 6000, val: 1000 });
    const start = Date.now();
    await page.click('#start');
    let peak = 0;
    const poll = setInterval(() => { try { peak = Math.max(peak, chromiumRssMb()); } catch { /* between processes */ } }, 500);
    await waitFinished(page, 8, 8, 1_800_000);
    clearInterval(poll);
    const seconds = (Date.now() - start) / 1000;
    console.log(`run ${i}: ${workers} worker(s): ${seconds.toFixed(1)} s, Chromium peak RSS ${peak.toFixed(0)} MB`);
    return { seconds, peak };
  } finally {
    await browser.close();
  }
}

const ratios = [];
const peaks = { 1: [], 2: [] };
for (let i = 1; i <= pairs; i++) {
  const one = await run(1, i);
  const two = await run(2, i);
  ratios.push(two.seconds / one.seconds);
  peaks[1].push(one.peak);
  peaks[2].push(two.peak);
  console.log(`pair ${i}: ratio (2 workers / 1) ${(two.seconds / one.seconds).toFixed(3)}`);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`median ratio ${median(ratios).toFixed(3)}x; peak RSS 1 worker ${median(peaks[1]).toFixed(0)} MB, 2 workers ${median(peaks[2]).toFixed(0)} MB`);
await server.close();
