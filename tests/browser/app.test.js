// The browser app end to end, in headless Chromium on a locally served dist/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  serve, launch, openApp, fillSmallSweep, waitFinished, heatmapCells, downloadText, cellMeans,
  artifacts, runNativeSweep, nativeSweep, downloadFile, dist, setParam, root,
} from './harness.js';

let server;
before(async () => { server = await serve(); });
after(async () => { await server.close(); });

/** The DOM heatmap must show every cell of the exported records, same means. */
function assertHeatmapMatches(cells, jsonl, expectCells) {
  const means = cellMeans(jsonl);
  assert.equal(cells.length, expectCells, `heatmap cells: ${JSON.stringify(cells)}`);
  assert.equal(means.size, expectCells);
  for (const c of cells) {
    const want = means.get(`${c.x}|${c.y}`);
    assert.ok(want !== undefined, `no records for cell ${c.x}|${c.y}: ${[...means.keys()]}`);
    assert.ok(Math.abs(c.mean - want) < 1e-5, `cell ${c.x}|${c.y}: heatmap ${c.mean}, records ${want}`);
  }
}

// Without an explicit call to __wasm_call_ctors, wasm-ld wraps every export
// of a binary in one (`NAME.command_export`), so each call from JavaScript
// into wasm re-ran CubeCL's thousands of static constructors: most of a
// WebGPU training step's host time (BENCHMARKS.md). The dev build keeps
// function names, which is what this reads.
test('the training workers run their static constructors once, not on every call from JavaScript', () => {
  for (const worker of ['cpu_worker_bg.wasm', 'gpu_worker_bg.wasm']) {
    const names = fs.readFileSync(path.join(dist, worker)).toString('latin1');
    assert.ok(names.includes('__wasm_call_ctors'), `${worker}: has no function names to check`);
    assert.ok(!names.includes('.command_export'), `${worker}: wasm-ld wrapped its exports in __wasm_call_ctors`);
  }
});

// The CPU worker is what most sweeps fetch: Burn's flex backend without
// CubeCL or wgpu; the WebGPU worker carries them.
test('the CPU worker links no WebGPU stack, the WebGPU worker does', () => {
  const cpu = fs.readFileSync(path.join(dist, 'cpu_worker_bg.wasm')).toString('latin1');
  const gpu = fs.readFileSync(path.join(dist, 'gpu_worker_bg.wasm')).toString('latin1');
  for (const crate of ['burn_flex', 'sweeplab_train']) {
    assert.ok(cpu.includes(crate), `cpu_worker_bg.wasm lacks ${crate}`);
    assert.ok(gpu.includes(crate), `gpu_worker_bg.wasm lacks ${crate}`);
  }
  for (const crate of ['cubecl_core', 'wgpu_core', 'burn_cubecl', 'burn_wgpu', 'burn_fusion']) {
    assert.ok(!cpu.includes(crate), `cpu_worker_bg.wasm links ${crate}`);
  }
  for (const crate of ['cubecl_core', 'burn_cubecl', 'burn_fusion']) {
    assert.ok(gpu.includes(crate), `gpu_worker_bg.wasm lacks ${crate}`);
  }
});

// The page draws forms, tables and plots: no deep-learning framework, no
// data set inside the module (the worker fetches the embedded subset).
test('the page links no training code and carries no data set', () => {
  const page = fs.readFileSync(path.join(dist, 'app_bg.wasm'));
  const names = page.toString('latin1');
  assert.ok(names.includes('sweeplab_app'), 'app_bg.wasm: has no function names to check');
  for (const crate of ['burn_tensor', 'burn_core', 'cubecl_core', 'wgpu_core', 'sweeplab_train']) {
    assert.ok(!names.includes(crate), `app_bg.wasm links ${crate}`);
  }
  const subset = fs.readFileSync(path.join(dist, 'data', 'train-images-idx3-ubyte.gz'));
  assert.equal(page.indexOf(subset.subarray(0, 4096)), -1, 'app_bg.wasm embeds the Fashion-MNIST subset');
  assert.ok(!names.includes('.command_export'), 'app_bg.wasm: wasm-ld wrapped its exports');
});

/** Mean last-epoch validation accuracy of exported trial records. */
function meanAccuracy(jsonl) {
  const accs = jsonl.trim().split('\n').map((l) => JSON.parse(l).epochs.at(-1).val_accuracy);
  return accs.reduce((a, b) => a + b, 0) / accs.length;
}

test('a 2x2 sweep trains on WebGPU and its heatmap matches the trial records', async () => {
  const browser = await launch({ webgpu: true });
  try {
    const { page, errors, requests } = await openApp(browser.context, server.url);
    // SwiftShader is a software adapter, which "auto" skips (the CPU backend
    // is faster there, and exact): it must say so and train on the CPU.
    await fillSmallSweep(page, { name: 'auto-on-swiftshader' });
    assert.ok(!requests.some((u) => /worker/.test(u)), 'the worker was fetched before a sweep trained');
    await page.click('#start');
    await waitFinished(page, 4, 4);
    // Auto on a software adapter trains on the CPU: the WebGPU worker (and
    // its download) is never fetched.
    assert.ok(requests.some((u) => /cpu_worker_loader\.js$/.test(u)), `CPU worker not fetched: ${requests}`);
    assert.ok(!requests.some((u) => /gpu_worker/.test(u)), `WebGPU worker fetched for a CPU sweep: ${requests}`);
    assert.match(await page.textContent('#backend-badge'), /^CPU/);
    assert.match(await page.textContent('#fallback-reason'), /software/);
    const cpuAccuracy = meanAccuracy(await downloadText(page, '#export-jsonl'));
    // Now ask for WebGPU on any adapter.
    await page.selectOption('#backend-choice', 'gpu');
    await fillSmallSweep(page, { name: 'webgpu-2x2' });
    assert.match(await page.textContent('#estimate'), /2 cells × 1 repeats|4 trials/);
    await page.click('#start');
    await page.waitForFunction(() => /WebGPU/.test(document.querySelector('#backend-badge')?.textContent || ''), null, { timeout: 180_000 });
    await waitFinished(page, 4, 4);
    assert.ok(requests.some((u) => /gpu_worker_loader\.js$/.test(u)), `WebGPU worker not fetched: ${requests}`);
    const badge = await page.textContent('#backend-badge');
    assert.match(badge, /WebGPU/, badge);
    const cells = await heatmapCells(page);
    const jsonl = await downloadText(page, '#export-jsonl');
    assertHeatmapMatches(cells, jsonl, 4);
    for (const line of jsonl.trim().split('\n')) {
      const r = JSON.parse(line);
      assert.equal(r.backend, 'wgpu');
      assert.equal(r.status, 'finished');
      assert.equal(r.epochs.length, 1);
    }
    // WebGPU must compute what the CPU computes (up to its own random init):
    // with CubeCL's autotune on, a subgroup matmul kernel that browsers
    // reject was picked and accuracy fell to 0.02 (chance: 0.1).
    const gpuAccuracy = meanAccuracy(jsonl);
    assert.ok(gpuAccuracy > 0.3 && Math.abs(gpuAccuracy - cpuAccuracy) < 0.2,
      `val accuracy: WebGPU ${gpuAccuracy}, CPU ${cpuAccuracy}`);
    assert.match(await page.textContent('#interaction'), /F\(|interaction/);
    await page.screenshot({ path: path.join(artifacts, 'webgpu-2x2.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('without WebGPU the sweep falls back to the CPU and completes', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, errors } = await openApp(browser.context, server.url);
    await fillSmallSweep(page, { name: 'cpu-2x2' });
    await page.click('#start');
    await waitFinished(page, 4, 4);
    const badge = await page.textContent('#backend-badge');
    assert.match(badge, /CPU/, badge);
    const jsonl = await downloadText(page, '#export-jsonl');
    assertHeatmapMatches(await heatmapCells(page), jsonl, 4);
    assert.ok(jsonl.trim().split('\n').every((l) => JSON.parse(l).backend === 'flex'));
    await page.screenshot({ path: path.join(artifacts, 'cpu-2x2.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('reloading while two workers are mid-trial keeps finished trials once and resume completes the grid', async () => {
  const browser = await launch({ webgpu: false });
  try {
    let { page, errors } = await openApp(browser.context, server.url);
    // Two CPU workers, whatever this machine's core count (the setting).
    await page.fill('#cpu-workers', '2');
    await page.dispatchEvent('#cpu-workers', 'change');
    // A CNN on 2,000 images: slow enough (seconds per trial) to reload mid-sweep.
    await fillSmallSweep(page, { name: 'reload-me', repeats: 3, template: 'cnn', train: 2000, val: 200 });
    await page.click('#start');
    await page.waitForSelector('#workers:has-text("2 workers")');
    // Both workers train at once: two trials in flight, two worker threads.
    await page.waitForFunction(() => (document.querySelector('#progress')?.dataset.training || '').split(',').filter(Boolean).length === 2, null, { timeout: 300_000, polling: 100 });
    assert.equal(page.workers().length, 2, 'two training workers');
    await page.waitForFunction(() => {
      const m = (document.querySelector('#trial-count')?.textContent || '').match(/^(\d+) of 12/);
      return m && Number(m[1]) >= 3;
    }, null, { timeout: 600_000, polling: 100 });
    assert.deepEqual(errors, []);
    // A running sweep as a student sees it: finished cells coloured, the
    // rest pending or running.
    await page.screenshot({ path: path.join(artifacts, 'sweep-running.png'), fullPage: true });
    await page.reload({ waitUntil: 'commit' });
    await page.waitForSelector('#sweep-list button');
    await page.click('#sweep-list button:has-text("reload-me")');
    await page.waitForSelector('#resume');
    await page.waitForFunction(() => Number((document.querySelector('#trial-count')?.textContent || '').match(/^(\d+)/)?.[1]) >= 2);
    const shown = Number((await page.textContent('#trial-count')).match(/^(\d+)/)[1]);
    assert.ok(shown >= 2 && shown < 12, `after reload ${shown} of 12 finished`);
    const before = (await downloadText(page, '#export-jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(before.length, shown);
    await page.click('#resume');
    await waitFinished(page, 12, 12);
    const all = (await downloadText(page, '#export-jsonl')).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(all.length, 12);
    assert.equal(new Set(all.map((r) => r.trial_id)).size, 12);
    for (const r of before) {
      const kept = all.find((a) => a.trial_id === r.trial_id);
      assert.equal(kept.started_ms, r.started_ms, `trial ${r.trial_id} ran again`);
    }
    assert.equal((await heatmapCells(page)).length, 4);
  } finally {
    await browser.close();
  }
});

test('a sweep started while another trains waits its turn, and each keeps only its own trials', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, errors } = await openApp(browser.context, server.url);
    // A: a CNN 2x2 with 2 repeats, slow enough to still be training while B is made.
    await fillSmallSweep(page, { name: 'sweep-a-cnn', repeats: 2, template: 'cnn', train: 1000, val: 100 });
    await page.click('#start');
    await page.waitForFunction(() => / · (starting|running)/.test(document.querySelector('#trial-count')?.textContent || ''));
    // B: an MLP 2x2, started while A runs: it is queued, not run beside A.
    await fillSmallSweep(page, { name: 'sweep-b-mlp' });
    await page.click('#start');
    await page.waitForSelector('#sweep-title:has-text("sweep-b-mlp")');
    await page.waitForSelector('#queued');
    assert.match(await page.textContent('#queued'), /sweep-a-cnn/);
    assert.match(await page.textContent('#trial-count'), /^0 of 4 trials finished · queued/);
    // B's whole grid is on screen before any of its trials ran: 4 cells, each pending.
    const pending = await page.$$eval('#heatmap-table tr.cell', (rows) => rows.map((r) => `${r.dataset.n}/${r.dataset.pending}`));
    assert.deepEqual(pending, ['0/1', '0/1', '0/1', '0/1']);
    // A finishes its 8, then B runs by itself to its 4.
    await page.click('#sweep-list button:has-text("sweep-a-cnn")');
    await waitFinished(page, 8, 8);
    const a = await downloadText(page, '#export-jsonl');
    assertHeatmapMatches(await heatmapCells(page), a, 4);
    await page.click('#sweep-list button:has-text("sweep-b-mlp")');
    await waitFinished(page, 4, 4);
    const b = await downloadText(page, '#export-jsonl');
    assertHeatmapMatches(await heatmapCells(page), b, 4);
    const records = (text) => text.trim().split('\n').map((l) => JSON.parse(l));
    const [ra, rb] = [records(a), records(b)];
    assert.equal(ra.length, 8);
    assert.equal(rb.length, 4);
    assert.ok(ra.every((r) => r.config.model.kind === 'cnn' && r.sweep_name === 'sweep-a-cnn'), 'A holds only its CNN trials');
    assert.ok(rb.every((r) => r.config.model.kind === 'mlp' && r.sweep_name === 'sweep-b-mlp'), 'B holds only its MLP trials');
    assert.equal(new Set([...ra, ...rb].map((r) => r.trial_id)).size, 12);
    assert.equal(new Set(ra.map((r) => r.sweep_id)).size, 1);
    assert.equal(new Set(rb.map((r) => r.sweep_id)).size, 1);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('the form shows the fields of the chosen model, optimiser and schedule, grouped, with help and paths', async () => {
  const browser = await launch({ webgpu: false });
  try {
    const { page, errors } = await openApp(browser.context, server.url);
    await page.click('#new-sweep');
    const shown = (id) => page.isVisible(`#hp-${id}`);
    assert.ok(await shown('model-conv_blocks'), 'a CNN has convolution blocks');
    assert.ok(!(await shown('model-hidden')) && !(await shown('model-layers')), 'a CNN has no recurrent fields');
    await page.screenshot({ path: path.join(artifacts, 'form-cnn.png'), fullPage: true });
    await page.selectOption('#template', 'gru');
    assert.ok(await shown('model-hidden') && !(await shown('model-conv_blocks')));
    // Sequences suggest their own first experiment (the name was not typed).
    assert.equal(await page.inputValue('#sweep-name'), 'hidden-x-layers');
    await page.screenshot({ path: path.join(artifacts, 'form-gru.png'), fullPage: true });
    await page.selectOption('#template', 'mlp');
    assert.ok(!(await shown('model-conv_blocks')) && await shown('model-dense'));
    // Nesterov momentum is SGD's: hidden under Adam, a checkbox under SGD.
    await page.selectOption('#hp-train-optimizer', 'adam');
    assert.ok(!(await shown('train-nesterov')) && !(await shown('train-momentum')));
    await page.selectOption('#hp-train-optimizer', 'sgd');
    assert.equal(await page.getAttribute('#hp-train-nesterov', 'type'), 'checkbox');
    await page.check('#hp-train-nesterov');
    // A field that is scanned stays on screen whatever the model.
    await page.locator('.axis-path').nth(0).selectOption('model.kernel_size');
    assert.ok(await shown('model-kernel_size'));
    const groups = await page.$$eval('.param-group', (hs) => hs.map((h) => h.textContent));
    assert.deepEqual(groups, ['Architecture', 'Regularisation', 'Optimisation', 'Schedule']);
    assert.match(await page.textContent('label.param:has(#hp-train-lr)'), /Learning rate.*train\.lr.*log scale/);
    await page.screenshot({ path: path.join(artifacts, 'form-mlp-sgd.png'), fullPage: true });
    const toml = await downloadText(page, '#download-spec');
    assert.match(toml, /optimizer = "sgd"/);
    assert.match(toml, /nesterov = true/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a shared link opens the sweep in another browser with its form filled in; a cut link says why', async () => {
  const first = await launch({ webgpu: false });
  const second = await launch({ webgpu: false });
  try {
    const { page, errors } = await openApp(first.context, server.url);
    await fillSmallSweep(page, { name: 'shared-sweep', repeats: 3 });
    await page.fill('#sweep-hypothesis', 'Dropout & width: 100% #interaction?');
    await page.click('#start');
    await page.waitForSelector('#sweep-title:has-text("shared-sweep")');
    const original = await downloadText(page, '#export-spec');
    await page.click('#share');
    const link = await page.inputValue('#share-link');
    assert.ok(link.startsWith(`${server.url}#sweep=`), link);
    // Another browser (its own profile and storage) opens the link.
    const other = await openApp(second.context, link);
    await other.page.waitForSelector('#shared-note');
    assert.equal(await other.page.inputValue('#sweep-name'), 'shared-sweep');
    assert.equal(await other.page.inputValue('#repeats'), '3');
    assert.equal(await downloadText(other.page, '#download-spec'), original);
    assert.ok(!other.page.url().includes('#'), 'the link is applied once, not on every reload');
    // A link cut short: a clear message, the starter form.
    await other.page.goto(link.slice(0, link.indexOf('%0A') + 3), { waitUntil: 'commit' });
    await other.page.waitForSelector('#notice');
    assert.match(await other.page.textContent('#notice'), /the link's sweep file: /);
    assert.deepEqual([...errors, ...other.errors], []);
  } finally {
    await first.close();
    await second.close();
  }
});

test('a trials.jsonl from native-sweep imports and shows its heatmap, with no training worker started', async () => {
  const out = fs.mkdtempSync(path.join(artifacts, 'native-'));
  runNativeSweep(out, { name: 'native-import', hypothesis: 'Imported from the CLI.' });
  const jsonlPath = path.join(out, 'results', 'trials.jsonl');
  const browser = await launch({ webgpu: false });
  try {
    const { page, errors, requests } = await openApp(browser.context, server.url);
    await page.setInputFiles('#import-file', [jsonlPath, path.join(out, 'results', 'sweep.toml')]);
    await page.waitForSelector('#sweep-title:has-text("native-import")');
    await page.waitForFunction(() => document.querySelectorAll('#heatmap-table tr.cell').length === 4);
    assertHeatmapMatches(await heatmapCells(page), fs.readFileSync(jsonlPath, 'utf8'), 4);
    assert.match(await page.textContent('.hypothesis'), /Imported from the CLI/);
    assert.deepEqual(errors, []);
    // Drawing an imported sweep needs no training worker: none was fetched.
    const fetched = requests.filter((u) => /worker/.test(u));
    assert.deepEqual(fetched, [], `worker scripts fetched: ${fetched}`);
    // A results bundle both ways: native-sweep writes one and the app imports
    // it; the app exports one and native-sweep show opens it.
    nativeSweep(['note', path.join(out, 'results'), 'Bundled with its journal.']);
    nativeSweep(['bundle', path.join(out, 'results')]);
    await page.click('#notice button');
    await page.setInputFiles('#import-file', [path.join(out, 'results.zip')]);
    await page.waitForSelector('#notice:has-text("imported 4 trials")');
    await page.waitForFunction(() => document.querySelectorAll('#heatmap-table tr.cell').length === 4);
    assertHeatmapMatches(await heatmapCells(page), fs.readFileSync(jsonlPath, 'utf8'), 4);
    assert.match(await page.textContent('#notes'), /Bundled with its journal/);
    const fromApp = await downloadFile(page, '#export-bundle', path.join(out, 'from-app.zip'));
    const shown = nativeSweep(['show', fromApp]);
    assert.match(shown, /native-import/);
    const ids = (file) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).trial_id).sort();
    assert.deepEqual(ids(path.join(out, 'from-app', 'trials.jsonl')), ids(jsonlPath));
    // A random scan's results import too: drawn as parallel coordinates,
    // the ranking waits for 8 configurations.
    const scan = path.join(out, 'scan.toml');
    fs.writeFileSync(scan, fs.readFileSync(path.join(out, 'native-import.toml'), 'utf8')
      .replace('name = "native-import"', 'name = "a-scan"')
      .replace('[[axes]]', '[search]\nstrategy = "random"\ntrials = 2\n[[axes]]'));
    nativeSweep(['run', scan, '--out', path.join(out, 'scan'), '--backend', 'cpu', '-q']);
    await page.click('#notice button');
    await page.setInputFiles('#import-file', [path.join(out, 'scan', 'trials.jsonl'), path.join(out, 'scan', 'sweep.toml')]);
    await page.waitForSelector('#notice:has-text("imported 2 trials")');
    await page.waitForSelector('#sweep-title:has-text("a-scan")');
    await page.waitForSelector('#parallel');
    assert.match(await page.textContent('#importance-note'), /at least 8 finished configurations, the scan has 2/);
    // Records with another sweep's file: refused in one line, nothing stored.
    const before = await page.locator('#sweep-list li').count();
    await page.click('#notice button');
    await page.setInputFiles('#import-file', [path.join(out, 'scan', 'trials.jsonl'), path.join(out, 'results', 'sweep.toml')]);
    await page.waitForSelector('#notice:has-text("trials.jsonl, record 1: ")');
    assert.equal(await page.locator('#sweep-list li').count(), before, 'nothing stored');
    assert.match(fs.readFileSync(path.join(out, 'from-app', 'journal.json'), 'utf8'), /Bundled with its journal/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

/** How many pixels of a canvas are not white. */
async function inkedPixels(page, selector) {
  return page.$eval(selector, (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n += 1;
    return n;
  });
}

test('a TPE scan trains in the app round by round; its parallel coordinates, fANOVA ranking and proposed grid match the CLI', async () => {
  const out = fs.mkdtempSync(path.join(artifacts, 'scan-'));
  const browser = await launch({ webgpu: false });
  try {
    const { page, errors } = await openApp(browser.context, server.url);
    await fillSmallSweep(page, { name: 'tpe-scan' });
    // Twelve configurations: ten drawn at random, then a round of two
    // proposed from their results (the page plans it when the ten end).
    await page.selectOption('#search-strategy', 'tpe');
    await page.fill('#search-trials', '12');
    const values = page.locator('.axis-values');
    await values.nth(0).fill('0..0.5');
    await values.nth(1).fill('1e-4..1e-1 log');
    await page.click('button:has-text("Add an axis")');
    await page.locator('.axis-path').nth(2).selectOption('train.batch_size');
    await values.nth(2).fill('16..64');
    await page.waitForSelector('#problems li:has-text("train.batch_size")');
    await values.nth(2).fill('16..64 int');
    await page.waitForFunction(() => document.querySelectorAll('#problems li').length === 0);
    assert.match(await page.textContent('#estimate'), /^12 configurations × 1 repeats = 12 trials/);
    await page.click('#start');
    await page.waitForSelector('#sweep-title:has-text("tpe-scan")');
    await waitFinished(page, 12, 12);
    // Parallel coordinates and the pair's scatter are drawn.
    assert.ok(await inkedPixels(page, '#parallel') > 2000, 'the parallel coordinates are blank');
    assert.ok(await inkedPixels(page, '#pair-scatter') > 1000, 'the scatter is blank');
    await page.locator('#analysis-title').screenshot({ path: path.join(artifacts, 'scan-title.png') });
    await page.locator('#parallel').screenshot({ path: path.join(artifacts, 'scan-parallel.png') });
    // The ranking: three axes, then three pairs.
    await page.waitForSelector('#importance tr.effect');
    const effects = await page.$$eval('#importance tr.effect', (rows) => rows.map((r) => [r.dataset.kind, r.dataset.effect, Number(r.dataset.share)]));
    assert.deepEqual(effects.map(([kind]) => kind), ['axis', 'axis', 'axis', 'pair', 'pair', 'pair']);
    // The app's records are the scan's trials as the core plans them (the
    // bundle is refused otherwise), and native-sweep show ranks the same
    // effects. The forest's random draws differ between 32-bit wasm and
    // 64-bit machines (the optimizer crate draws indices as usize), so a
    // share may differ by a few hundredths; the page says so.
    const bundle = await downloadFile(page, '#export-bundle', path.join(out, 'tpe-scan.zip'));
    const shown = nativeSweep(['show', bundle]);
    for (const [, name, share] of effects) {
      const line = shown.split('\n').find((l) => l.trim().startsWith(`${name} `));
      assert.ok(line, `native-sweep show has no line for ${name}: ${shown}`);
      const cli = Number(line.match(/share\s+([\d.]+)/)[1]);
      assert.ok(Math.abs(cli - share) <= 0.1, `${name}: app ${share}, native-sweep show ${cli}`);
    }
    assert.match(await page.textContent('#importance-caveat'), /may differ by a few hundredths/);
    // "Grid of this pair" on the strongest pair: the file native-sweep
    // propose writes, as a new grid sweep.
    const strongest = effects.find(([kind]) => kind === 'pair')[1].split(' × ');
    await page.click('#importance tr[data-kind="pair"] button.grid-of');
    await page.waitForSelector('#shared-note');
    assert.equal(await page.inputValue('#search-strategy'), 'grid');
    assert.equal(await page.inputValue('#repeats'), '3');
    const proposedToml = await downloadText(page, '#download-spec');
    const proposedFile = path.join(out, 'proposed.toml');
    nativeSweep(['propose', path.join(out, 'tpe-scan'), '--pair', strongest.join(','), '--out', proposedFile]);
    // The same file but for the grid-size guard (the form's own limit).
    const guardless = (toml) => toml.replace(/^max_trials = .*\n/m, '');
    assert.equal(guardless(proposedToml), guardless(fs.readFileSync(proposedFile, 'utf8')));
    assert.equal([...proposedToml.matchAll(/^\[\[axes\]\]$/gm)].length, 2, proposedToml);
    await page.click('#start');
    await page.waitForSelector('#heatmap-table tr.cell');
    assert.equal(await page.locator('#heatmap-table tr.cell').count(), 16);
    await page.click('#cancel');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a stored record the app cannot read is reported with the CLI\'s message and kept as it was', async () => {
  const out = fs.mkdtempSync(path.join(artifacts, 'newer-'));
  runNativeSweep(out, { name: 'newer-schema', hypothesis: 'Rows from a newer sweeplab.' });
  const browser = await launch({ webgpu: false });
  try {
    const { page } = await openApp(browser.context, server.url);
    await page.setInputFiles('#import-file', [path.join(out, 'results', 'trials.jsonl'), path.join(out, 'results', 'sweep.toml')]);
    await page.waitForFunction(() => document.querySelectorAll('#heatmap-table tr.cell').length === 4);
    // As if a newer sweeplab had written one of the rows.
    const changed = await page.evaluate(() => new Promise((ok, fail) => {
      const r = indexedDB.open('sweeplab');
      r.onerror = () => fail(r.error);
      r.onsuccess = () => {
        const store = r.result.transaction('trials', 'readwrite').objectStore('trials');
        const all = store.getAll();
        all.onsuccess = () => {
          const row = all.result[0];
          const record = JSON.parse(row.json);
          record.schema = 999;
          row.json = JSON.stringify(record);
          store.put(row).onsuccess = () => ok(row.json);
        };
      };
    }));
    await page.reload({ waitUntil: 'commit' });
    await page.click('#sweep-list button:has-text("newer-schema")');
    await page.waitForSelector('#notice');
    const notice = await page.textContent('#notice');
    assert.match(notice, /record schema 999 is newer than this sweeplab reads \(\d+\); upgrade sweeplab/, notice);
    assert.match(await page.textContent('#trial-count'), /^3 of 4 trials finished/);
    const kept = await page.evaluate(() => new Promise((ok) => {
      const r = indexedDB.open('sweeplab');
      r.onsuccess = () => {
        const all = r.result.transaction('trials', 'readonly').objectStore('trials').getAll();
        all.onsuccess = () => ok(all.result.map((row) => row.json));
      };
    }));
    assert.equal(kept.length, 4);
    assert.ok(kept.includes(changed), 'the unreadable row is still stored as it was');
  } finally {
    await browser.close();
  }
});

/** scikit-learn's wine data set as a CSV file (header row, class in "target"),
 * written by the scikit-learn that `make test` installs beside MLflow. */
function wineCsv(dir) {
  const venv = process.env.SWEEPLAB_MLFLOW_VENV || path.join(process.env.HOME, '.cache/sweeplab/mlflow-venv');
  const file = path.join(dir, 'wine.csv');
  execFileSync(path.join(venv, 'bin/python'), ['-c',
    `import sklearn.datasets as d; d.load_wine(as_frame=True).frame.to_csv(${JSON.stringify(file)}, index=False)`]);
  return file;
}

test('an MLP sweep trains on a CSV table; bad and oversized tables are refused with what is wrong', async () => {
  const dir = fs.mkdtempSync(path.join(artifacts, 'csv-'));
  const wine = wineCsv(dir);
  const text = path.join(dir, 'text.csv');
  fs.writeFileSync(text, 'a,b,y\n1,2,p\n3,x4,q\n');
  const large = path.join(dir, 'large.csv');
  fs.writeFileSync(large, Buffer.alloc(100 * 1024 * 1024, '1,2,3\n'));
  const browser = await launch({ webgpu: false });
  try {
    const { page, errors } = await openApp(browser.context, server.url);
    await page.click('#new-sweep');
    await page.fill('#sweep-name', 'wine');
    // A table trains MLPs: choosing it picks that template.
    await page.selectOption('#data-choice', 'csv');
    assert.equal(await page.inputValue('#template'), 'mlp');
    // 100 MB: refused before it is read, and the page answers at once.
    await page.setInputFiles('#data-files', [large]);
    await page.waitForSelector('#file-error');
    assert.match(await page.textContent('#file-error'), /large\.csv: 100\.0 MB is more than the browser app reads/);
    assert.equal(await page.evaluate(() => 1 + 1), 2);
    assert.ok(await page.isDisabled('#start'));
    // Text in a numeric column: the line and the column.
    await page.setInputFiles('#data-files', [text]);
    await page.waitForFunction(() => /line 3, column "b"/.test(document.querySelector('#file-error')?.textContent || ''));
    assert.ok(await page.isDisabled('#start'));
    // Wine: the label column is the header's last, each class split 80/20.
    await page.setInputFiles('#data-files', [wine]);
    await page.waitForSelector('#data-label');
    assert.equal(await page.inputValue('#data-label'), 'target');
    await page.waitForFunction(() => /142 training and 36 validation examples, 3 classes/.test(document.querySelector('#save-note')?.textContent || ''));
    await page.fill('#repeats', '1');
    await setParam(page, 'hp-train-epochs', '15');
    await setParam(page, 'hp-train-batch_size', '16');
    await setParam(page, 'hp-model-dense', '32');
    const paths = page.locator('.axis-path');
    const values = page.locator('.axis-values');
    await paths.nth(0).selectOption('model.dropout');
    await values.nth(0).fill('0, 0.3');
    await paths.nth(1).selectOption('train.lr');
    await values.nth(1).fill('0.003, 0.01');
    // The estimate counts the table's rows, not a guess: 4 trials x 15
    // epochs x (142 + 0.3 x 36) examples is under a minute at any speed
    // this page assumes.
    assert.match(await page.textContent('#estimate'), /4 trials · under a minute/);
    await page.screenshot({ path: path.join(artifacts, 'form-csv.png'), fullPage: true });
    await page.click('#start');
    await waitFinished(page, 4, 4);
    const jsonl = await downloadText(page, '#export-jsonl');
    assertHeatmapMatches(await heatmapCells(page), jsonl, 4);
    const records = jsonl.trim().split('\n').map((l) => JSON.parse(l));
    for (const r of records) {
      assert.equal(r.dataset.name, 'csv');
      assert.equal(r.dataset.label, 'target');
    }
    const best = Math.max(...records.map((r) => r.epochs[r.epochs.length - 1].val_accuracy));
    assert.ok(best > 0.85, `best val accuracy ${best}`);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    fs.rmSync(large, { force: true });
  }
});

test('bad input shows a clear message and saves nothing', async () => {
  const dir = fs.mkdtempSync(path.join(artifacts, 'bad-'));
  const notIdx = path.join(dir, 'train-images-idx3-ubyte');
  fs.writeFileSync(notIdx, 'this is not an IDX file at all');
  const zip = path.join(dir, 'gestures.zip');
  fs.writeFileSync(zip, Buffer.from('PK\u0003\u0004 broken zip'));
  const browser = await launch({ webgpu: false });
  try {
    const { page, errors } = await openApp(browser.context, server.url);
    const sweepsBefore = await page.locator('#sweep-list li').count();
    // A non-IDX file.
    await page.selectOption('#data-choice', 'idx');
    await page.setInputFiles('#data-files', [notIdx]);
    await page.waitForSelector('#file-error');
    assert.match(await page.textContent('#file-error'), /IDX/);
    assert.ok(await page.isDisabled('#start'));
    // The real four IDX files read, and the sweep may start: a sweep file
    // needs a path only where native-sweep reads it.
    const idxDir = path.join(root, '..', 'shared', 'data', 'fashion-mnist');
    await page.setInputFiles('#data-files', fs.readdirSync(idxDir).filter((f) => f.includes('ubyte')).map((f) => path.join(idxDir, f)));
    await page.waitForFunction(() => /60000 training and 10000 validation examples, 10 classes/.test(document.querySelector('#save-note')?.textContent || ''), null, { timeout: 60_000 });
    assert.equal((await page.textContent('#problems')).trim(), '');
    assert.ok(!(await page.isDisabled('#start')));
    // A corrupt zip.
    await page.selectOption('#template', 'gru');
    await page.setInputFiles('#data-files', [zip]);
    await page.waitForSelector('#file-error');
    assert.match(await page.textContent('#file-error'), /gestures\.zip.*zip/);
    assert.ok(await page.isDisabled('#start'));
    // An empty axis and an out-of-range value.
    await page.selectOption('#template', 'cnn');
    await page.locator('.axis-path').nth(0).selectOption('model.dropout');
    await page.locator('.axis-values').nth(0).fill('');
    await page.waitForFunction(() => /axes\[0\]/.test(document.querySelector('#problems')?.textContent || ''));
    await page.locator('.axis-values').nth(0).fill('0.2, 1.5');
    await page.waitForFunction(() => /1\.5/.test(document.querySelector('#problems')?.textContent || ''));
    const problems = await page.textContent('#problems');
    assert.match(problems, /model\.dropout/);
    assert.ok(await page.isDisabled('#start'));
    await page.click('#start', { force: true }).catch(() => {});
    assert.equal(await page.locator('#sweep-list li').count(), sweepsBefore);
    const stored = await page.evaluate(() => new Promise((ok) => {
      const r = indexedDB.open('sweeplab');
      r.onsuccess = () => {
        const tx = r.result.transaction('sweeps', 'readonly');
        const c = tx.objectStore('sweeps').count();
        c.onsuccess = () => ok(c.result);
      };
    }));
    assert.equal(stored, sweepsBefore);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('the journal survives reload and export/import, and the report prints as one A4 page', async () => {
  const out = fs.mkdtempSync(path.join(artifacts, 'journal-'));
  runNativeSweep(out, { name: 'journal-roundtrip', hypothesis: 'Dropout hurts a tiny MLP more at a high learning rate.', repeats: 2 });
  const browser = await launch({ webgpu: false });
  try {
    let { page, errors } = await openApp(browser.context, server.url);
    await page.setInputFiles('#import-file', [path.join(out, 'results', 'trials.jsonl'), path.join(out, 'results', 'sweep.toml')]);
    await page.waitForSelector('#sweep-title:has-text("journal-roundtrip")');
    // Which axes matter: the same ranking as native-sweep show's, from the
    // same core code (2 repeats per cell).
    await page.waitForSelector('#importance tr.effect');
    const effects = await page.$$eval('#importance tr.effect', (rows) => rows.map((r) => [r.dataset.kind, r.dataset.effect, Number(r.dataset.eta)]));
    assert.deepEqual(effects.map(([kind]) => kind), ['axis', 'axis', 'pair']);
    assert.equal(effects[2][1], 'model.dropout × train.lr');
    const shownByCli = nativeSweep(['show', path.join(out, 'results')]);
    const ranking = shownByCli.split('\n').slice(shownByCli.split('\n').findIndex((l) => l.startsWith('which axes matter')));
    for (const [, name, eta] of effects) {
      const line = ranking.find((l) => l.trim().startsWith(`${name} `));
      assert.ok(line, `native-sweep show has no line for ${name}: ${shownByCli}`);
      assert.equal(line.match(/partial η²\s+([\d.]+)/)[1], eta.toFixed(2));
    }
    await page.locator('#importance').screenshot({ path: path.join(artifacts, 'importance.png') });
    // "Grid of this pair" opens the form with the proposed sweep, as
    // native-sweep propose writes it.
    await page.click('#importance tr[data-kind="pair"] button.grid-of');
    await page.waitForSelector('#shared-note');
    assert.equal(await page.inputValue('#sweep-name'), 'journal-roundtrip-dropout-x-lr');
    assert.equal(await page.inputValue('#repeats'), '3');
    const proposedToml = await downloadText(page, '#download-spec');
    const proposedFile = path.join(out, 'proposed.toml');
    nativeSweep(['propose', path.join(out, 'results'), '--out', proposedFile]);
    const axesOf = (toml) => [...toml.matchAll(/path = "([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(axesOf(proposedToml), axesOf(fs.readFileSync(proposedFile, 'utf8')));
    await page.click('#sweep-list button:has-text("journal-roundtrip")');
    await page.waitForSelector('#importance tr.effect');
    await page.fill('#note-text', 'First look: lr 0.01 is noisy.');
    await page.click('#add-note');
    await page.waitForSelector('#notes li:has-text("lr 0.01 is noisy")');
    const conclusion = 'Supported: dropout costs more accuracy at lr 0.01 than at lr 0.001.';
    await page.fill('#conclusion-text', conclusion);
    await page.click('#save-conclusion');
    await page.waitForFunction(() => /saved/.test(document.querySelector('#journal-saved')?.textContent || ''));
    // Reload: both are still there.
    await page.reload({ waitUntil: 'commit' });
    await page.click('#sweep-list button:has-text("journal-roundtrip")');
    await page.waitForSelector('#notes li:has-text("lr 0.01 is noisy")');
    assert.equal(await page.inputValue('#conclusion-text'), conclusion);
    // Export and import again: the journal travels with the results.
    const files = {};
    for (const [id, name] of [['#export-jsonl', 'trials.jsonl'], ['#export-spec', 'sweep.toml'], ['#export-journal', 'journal.json']]) {
      files[name] = path.join(out, `exported-${name}`);
      fs.writeFileSync(files[name], await downloadText(page, id));
    }
    await page.setInputFiles('#import-file', Object.values(files));
    await page.waitForFunction(() => document.querySelectorAll('#sweep-list li').length === 2);
    await page.waitForSelector('#notes li:has-text("lr 0.01 is noisy")');
    assert.equal(await page.inputValue('#conclusion-text'), conclusion);
    // The print-ready report: one A4 page with the hypothesis, F statistic and conclusion.
    const [report] = await Promise.all([browser.context.waitForEvent('page'), page.click('#open-report')]);
    await report.waitForLoadState('load');
    const pdf = path.join(artifacts, 'app-report.pdf');
    await report.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    assert.match(info, /^Pages:\s+1$/m, info);
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    assert.match(text, /Dropout hurts a tiny MLP/);
    assert.match(text, /F\(/);
    assert.match(text, /dropout costs more accuracy/);
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
