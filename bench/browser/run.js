// Browser benchmark: sweeplab's wasm CPU backend (the app's worker, Burn
// flex) vs TF.js's cpu backend, the reference CNN, in the same headless
// Chromium, alternately (A B A B ...). Prints images/s and the median ratio.
// Usage: node bench/browser/run.js [pairs] (after `trunk build`; `make bench` does both).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, openApp, setParam, waitFinished, downloadText } from '../../tests/browser/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '..', '..', 'dist');
const pairs = Number(process.argv[2] || 3);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x').pathname;
  const [base, rel] = url.startsWith('/app/') ? [dist, url.slice(5) || 'index.html'] : [here, url.slice(7)];
  const file = path.join(base, path.normalize(decodeURIComponent(rel)));
  if (!file.startsWith(base) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) { res.writeHead(404); return res.end(); }
  res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const root = `http://127.0.0.1:${server.address().port}`;

const TRAIN = 64 * 40; // 40 timed batches
async function sweeplab(context, i) {
  const { page } = await openApp(context, `${root}/app/`);
  await page.selectOption('#backend-choice', 'cpu');
  await page.click('#new-sweep');
  await page.selectOption('#template', 'cnn'); // the reference CNN (DESIGN §5)
  await page.fill('#sweep-name', `bench-${i}`);
  await page.fill('#train-limit', String(TRAIN));
  await page.fill('#val-limit', '64');
  await page.fill('#repeats', '1');
  await setParam(page, 'hp-train-epochs', '1');
  await page.locator('.axis-values').nth(0).fill('0.25');
  await page.locator('.axis-values').nth(1).fill('batch');
  await page.click('#start');
  await waitFinished(page, 1, 1);
  const r = JSON.parse((await downloadText(page, '#export-jsonl')).trim());
  // Whole epoch (training + 64 validation images) counts against us.
  return TRAIN / r.epochs[0].seconds;
}
async function tfjs(context, backend) {
  const page = await context.newPage();
  await page.goto(`${root}/bench/tfjs.html`);
  const r = await page.evaluate(([b]) => window.runBench(b, 5, 40), [backend]);
  await page.close();
  return r.imagesPerSecond;
}

const browser = await launch({ webgpu: false });
const rows = [];
for (let i = 0; i < pairs; i++) {
  const a = await sweeplab(browser.context, i);
  const b = await tfjs(browser.context, 'cpu');
  rows.push({ sweeplab: a, tfjs_cpu: b, ratio: a / b });
  console.log(`pair ${i + 1}: sweeplab wasm cpu ${a.toFixed(0)} img/s, tfjs cpu ${b.toFixed(1)} img/s, ratio ${(a / b).toFixed(1)}x`);
}
const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
console.log(`median: sweeplab ${median(rows.map((r) => r.sweeplab)).toFixed(0)} img/s, tfjs cpu ${median(rows.map((r) => r.tfjs_cpu)).toFixed(1)} img/s, ratio of pairs ${median(rows.map((r) => r.ratio)).toFixed(1)}x`);
await browser.close();
server.close();
