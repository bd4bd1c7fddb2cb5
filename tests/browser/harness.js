// Test harness: serves dist/ on 127.0.0.1 under a sub-path (the app must
// work from any static host and sub-path) and drives Debian's Chromium
// with playwright-core (headless, no sandbox, no GPU, no background
// networking: without those Chromium keeps trying to reach the network).
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const dist = path.join(root, 'dist');
export const artifacts = path.join(root, 'target', 'browser-artifacts');
fs.mkdirSync(artifacts, { recursive: true });

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
};

/** Serve dist/ at http://127.0.0.1:PORT/sub/sweeplab/. */
export async function serve() {
  const prefix = '/sub/sweeplab/';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith(prefix)) { res.writeHead(404); return res.end('not here'); }
    let rel = decodeURIComponent(url.pathname.slice(prefix.length)) || 'index.html';
    const file = path.join(dist, path.normalize(rel));
    if (!file.startsWith(dist) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404); return res.end('missing');
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}${prefix}`, close: () => new Promise((ok) => server.close(ok)) };
}

/** Launch headless Chromium, with or without WebGPU. */
export async function launch({ webgpu }) {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sweeplab-chromium-'));
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ];
  if (webgpu) args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader');
  else args.push('--disable-features=WebGPU');
  // Extra flags for profiling, e.g. CHROMIUM_FLAGS=--js-flags=--perf-basic-prof.
  if (process.env.CHROMIUM_FLAGS) args.push(...process.env.CHROMIUM_FLAGS.split(' '));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
  });
  return { context, close: async () => { await context.close(); fs.rmSync(userDataDir, { recursive: true, force: true }); } };
}

/** A page that records console errors, uncaught exceptions and the URLs it requests. */
export async function openApp(context, url) {
  const page = context.pages()[0] || await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector('#new-sweep', { timeout: 120_000 });
  return { page, errors, requests };
}

/** Fill the new-sweep form for a small 2x2 sweep. */
export async function fillSmallSweep(page, { name, repeats = 1, template = 'mlp', train = 256, val = 128 }) {
  await page.click('#new-sweep');
  await page.selectOption('#template', template);
  await page.fill('#sweep-name', name);
  await page.fill('#train-limit', String(train));
  await page.fill('#val-limit', String(val));
  await page.fill('#repeats', String(repeats));
  await setParam(page, 'hp-train-epochs', '1');
  if (template === 'mlp') await setParam(page, 'hp-model-dense', '32');
  const paths = page.locator('.axis-path');
  const values = page.locator('.axis-values');
  await paths.nth(0).selectOption('model.dropout');
  await values.nth(0).fill('0, 0.5');
  await paths.nth(1).selectOption('train.lr');
  await values.nth(1).fill('0.001, 0.01');
}

/** Set a hyperparameter input (committed on change). */
export async function setParam(page, id, value) {
  await page.fill(`#${id}`, value);
  await page.dispatchEvent(`#${id}`, 'change');
}

/** Wait until the sweep page says `n of m trials finished`. */
export async function waitFinished(page, n, m, timeout = 600_000) {
  try {
    await page.waitForFunction(
      ([n, m]) => (document.querySelector('#trial-count')?.textContent || '').startsWith(`${n} of ${m} trials finished`),
      [n, m], { timeout, polling: 500 });
  } catch (e) {
    // Say where it stood: the count, the error and the notice on screen.
    const seen = await page.evaluate(() => ['#sweep-title', '#trial-count', '#run-error', '.notice']
      .map((s) => `${s}: ${document.querySelector(s)?.textContent ?? '(none)'}`).join('; ')).catch(() => '(page gone)');
    throw new Error(`waiting for "${n} of ${m} trials finished": ${e.message.split('\n')[0]}; the page showed ${seen}`);
  }
}

/** A cell label with numbers in one spelling (`0.0` and `0` are one value). */
export const norm = (s) => (s !== '' && !Number.isNaN(Number(s)) ? String(Number(s)) : s);

/** Heatmap cells as the DOM table shows them. */
export async function heatmapCells(page) {
  const rows = await page.$$eval('#heatmap-table tr.cell', (rows) => rows.map((r) => ({
    x: r.dataset.x, y: r.dataset.y, mean: r.dataset.mean === '' ? null : Number(r.dataset.mean), n: Number(r.dataset.n),
  })));
  return rows.map((c) => ({ ...c, x: norm(c.x), y: norm(c.y) }));
}

/** Click a download button and return the downloaded text. */
export async function downloadText(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const file = await dl.path();
  return fs.readFileSync(file, 'utf8');
}

/** Mean of the last epoch's val_accuracy per cell (dropout, lr) of JSON lines. */
export function cellMeans(jsonl) {
  const groups = new Map();
  for (const line of jsonl.split('\n').filter((l) => l.trim())) {
    const r = JSON.parse(line);
    const label = (v) => norm(typeof v === 'string' ? v : JSON.stringify(v));
    const key = r.cell.map((a) => label(a.value)).join('|');
    const acc = r.epochs[r.epochs.length - 1].val_accuracy;
    groups.set(key, [...(groups.get(key) || []), acc]);
  }
  return new Map([...groups].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
}

/** Run a tiny 2x2 MLP sweep with native-sweep into `dir`/results; returns that directory. */
export function runNativeSweep(dir, { name, hypothesis, repeats = 1 }) {
  const sweep = path.join(dir, `${name}.toml`);
  fs.writeFileSync(sweep, `name = "${name}"
hypothesis = "${hypothesis}"
repeats = ${repeats}
[dataset]
name = "fashion-mnist"
train_limit = 200
val_limit = 100
[base.model]
kind = "mlp"
dense = [16]
[base.train]
epochs = 1
[[axes]]
path = "model.dropout"
values = [0.0, 0.3]
[[axes]]
path = "train.lr"
values = [0.001, 0.01]
`);
  const results = path.join(dir, 'results');
  nativeSweep(['run', sweep, '--out', results, '--backend', 'cpu', '-q']);
  return results;
}

/** Run native-sweep (the build the Rust tests made, or NATIVE_SWEEP); its stdout. */
export function nativeSweep(args) {
  const bin = process.env.NATIVE_SWEEP || path.join(root, 'target', 'debug', 'native-sweep');
  return execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Click a download button and return where the downloaded file is. */
export async function downloadFile(page, selector, to) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  await dl.saveAs(to);
  return to;
}
