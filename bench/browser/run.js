// Browser benchmark, the reference CNN in one headless Chromium, ours and
// the peers alternately (A B A B ...): sweeplab's wasm CPU backend (the app's
// worker, Burn flex) vs TF.js cpu and wasm; sweeplab on WebGPU vs TF.js webgl
// and webgpu. Prints images/s per run and the median ratios.
// Usage: node bench/browser/run.js [pairs] [rows] (after `trunk build`; `make bench` does both);
// rows: `cpu`, `gpu` or `cpu,gpu` (default). PEERS=webgl,... limits the TF.js backends
// (PEERS= runs sweeplab alone, for quick A/B of its builds).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, openApp, setParam, waitFinished, downloadText } from '../../tests/browser/harness.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '..', '..', 'dist');
const pairs = Number(process.argv[2] || 3);
const rows = (process.argv[3] || 'cpu,gpu').split(',');
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

const BATCHES = 40;
const TRAIN = 64 * BATCHES;
// TF.js's timed batches after 5 warm-up ones (its cpu and webgpu backends
// train ~10 images/s here, so 40 would take minutes per run).
const TFJS_TIMED = 15;
// One trial of the reference CNN (bench/reference.toml) in the app on `backend`
// ('cpu' or 'gpu': WebGPU on any adapter), 2 epochs of BATCHES batches;
// images/s of the second (warm) epoch, whose seconds also include validating
// 64 images, which counts against us.
async function sweeplab(context, backend, i) {
  const { page } = await openApp(context, `${root}/app/`);
  await page.selectOption('#backend-choice', backend);
  await page.click('#new-sweep');
  await page.selectOption('#template', 'cnn');
  await page.fill('#sweep-name', `bench-${backend}-${i}`);
  await page.fill('#train-limit', String(TRAIN));
  await page.fill('#val-limit', '64');
  await page.fill('#repeats', '1');
  await setParam(page, 'hp-train-epochs', '2');
  await page.locator('.axis-values').nth(0).fill('0.25');
  await page.locator('.axis-values').nth(1).fill('batch');
  await page.click('#start');
  await waitFinished(page, 1, 1, 1_800_000);
  const r = JSON.parse((await downloadText(page, '#export-jsonl')).trim());
  await page.close();
  return { ips: TRAIN / r.epochs[1].seconds, backend: r.backend, device: r.device, valAccuracy: r.epochs[1].val_accuracy };
}
async function tfjs(context, backend) {
  const page = await context.newPage();
  await page.goto(`${root}/bench/tfjs.html`);
  const r = await page.evaluate(([b, n]) => window.runBench(b, 5, n), [backend, TFJS_TIMED]);
  await page.close();
  if (r.error) return { error: r.error };
  if (r.backend !== backend) return { error: `asked for ${backend}, got ${r.backend}` };
  return { ips: r.imagesPerSecond };
}

const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
// Runs ours and each peer alternately, `pairs` times; prints each pair and
// the medians. A peer that cannot train here is reported once and skipped.
async function row(title, context, ours, expectBackend, peers) {
  console.log(`== ${title}`);
  const got = { ours: [] };
  const live = [];
  const only = process.env.PEERS;
  for (const p of only === undefined ? peers : peers.filter((q) => only.split(',').includes(q))) {
    const probe = await tfjs(context, p);
    if (probe.error) console.log(`tfjs ${p}: cannot train the reference CNN here: ${probe.error}`);
    else { live.push(p); got[p] = []; }
  }
  for (let i = 0; i < pairs; i++) {
    const a = await sweeplab(context, ours, i);
    if (a.backend !== expectBackend) throw new Error(`sweeplab trained on ${a.backend} (${a.device}), not ${expectBackend}`);
    got.ours.push(a.ips);
    const line = [`pair ${i + 1}: sweeplab ${a.backend} (${a.device}) ${fmt(a.ips)} img/s, val acc ${a.valAccuracy.toFixed(3)}`];
    for (const p of live) {
      const b = await tfjs(context, p);
      got[p].push(b.error ? NaN : b.ips); // NaN keeps the pairs aligned
      line.push(b.error ? `tfjs ${p}: ${b.error}` : `tfjs ${p} ${fmt(b.ips)} img/s (ratio ${(a.ips / b.ips).toFixed(2)}x)`);
    }
    console.log(line.join('; '));
  }
  const finite = (v) => v.filter(Number.isFinite);
  const best = got.ours
    .map((a, i) => a / Math.max(...finite(live.map((p) => got[p][i]))))
    .filter((r) => Number.isFinite(r) && r > 0);
  const med = (v) => (finite(v).length ? fmt(median(finite(v))) : 'n/a');
  console.log(`median: sweeplab ${med(got.ours)} img/s; ` +
    live.map((p) => `tfjs ${p} ${med(got[p])} img/s`).join('; ') +
    (best.length ? `; ratio to the best tfjs backend (median of pairs) ${median(best).toFixed(2)}x` : ''));
}

if (rows.includes('cpu')) {
  const cpu = await launch({ webgpu: false });
  await row('browser CPU: sweeplab wasm (Burn flex) vs TF.js cpu and wasm', cpu.context, 'cpu', 'flex', ['cpu', 'wasm']);
  await cpu.close();
}
if (rows.includes('gpu')) {
  const gpu = await launch({ webgpu: true });
  // No GPU here: WebGPU is Chromium's SwiftShader and WebGL its software
  // renderer, for both sides alike (harness.js flags).
  await row('browser GPU (software adapter, SwiftShader): sweeplab WebGPU vs TF.js webgl and webgpu, same Chromium, same flags', gpu.context, 'gpu', 'wgpu', ['webgl', 'webgpu']);
  await gpu.close();
}
server.close();
