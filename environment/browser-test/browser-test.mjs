// Opens the course in a real browser: headless Chromium (Debian's chromium) driven by puppeteer-core against a
// running classic notebook server (environment/serve.sh). Run by environment/browser-test.sh, which starts and
// stops the server; usage:
//   node browser-test.mjs --url http://127.0.0.1:PORT/ --token TOKEN --out build/browser-test [--chromium PATH]
//
// 1. Task 1 notebook: Cell > Run All from the menu, wait until every cell ran and the kernel is idle; no error or
//    stderr output; the augmentation grid image decoded; the Plotly bar chart drew its SVG (one bar per class, the
//    title). Every request that leaves 127.0.0.1 is blocked and listed: the page must not need the network.
// 2. Its HTML copy (nbconvert of the executed notebook, file://, no network): the chart draws there too.
// 3. Progress: a scratch notebook runs labkit's ProgressBar for ~4 s; the bar's line must change while the cell
//    runs and stay one line (carriage returns redraw in place), ending with the epoch's time. Then plain println
//    lines (how the compression study reports its rows) must show up one by one while their cell runs.
// Screenshots go to --out. Exit status 0 only if every check passed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const base = (args.url || '').replace(/\/?$/, '/');
const token = args.token;
const out = path.resolve(args.out || 'build/browser-test');
const chromium = args.chromium || '/usr/bin/chromium';
const TASK1 = 'task1-data-augmentation-cnn.ipynb';
const PROGRESS = '_browser_test_progress.ipynb';
const RUN_TIMEOUT_MS = Number(args['run-timeout'] || 600) * 1000;
if (!base.startsWith('http://127.0.0.1:') || !token) {
  console.error('usage: node browser-test.mjs --url http://127.0.0.1:PORT/ --token TOKEN [--out DIR]');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
const blocked = [];
const consoleErrors = [];
const userData = fs.mkdtempSync(path.join(out, 'chromium-profile-'));

async function api(method, p, body) {
  const r = await fetch(`${base}api/${p}`, {
    method, headers: { Authorization: `token ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!r.ok && !(method === 'DELETE' && r.status === 404)) throw new Error(`${method} api/${p}: HTTP ${r.status}`);
  return r.status === 204 ? null : r.json().catch(() => null);
}

async function offlinePage(browser) {
  const page = await browser.newPage();
  page.setDefaultTimeout(180000); // a loaded 2-core machine: loading the 5 MB HTML copy took over 30 s once
  page.setDefaultNavigationTimeout(180000);
  await page.setViewport({ width: 1280, height: 1000 });
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (u.protocol === 'data:' || u.protocol === 'file:' || u.protocol === 'blob:' || u.hostname === '127.0.0.1') {
      req.continue();
    } else {
      blocked.push(req.url());
      req.abort();
    }
  });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

// Opens a notebook, turns autosave off (the test must not write outputs into the repository's notebooks), runs
// Cell > Run All through the menu and waits until all code cells ran and the kernel is idle.
async function openAndRunAll(page, name) {
  await page.goto(`${base}notebooks/${encodeURIComponent(name)}?token=${token}`, { waitUntil: 'load' });
  await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded
      && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()
      && document.querySelector('#kernel_indicator_icon.kernel_idle_icon'), { timeout: 120000, polling: 250 });
  await page.evaluate(() => Jupyter.notebook.set_autosave_interval(0));
  const cellMenu = await page.$$('#menus .navbar-nav > li.dropdown > a.dropdown-toggle');
  let opened = false;
  for (const a of cellMenu) {
    if ((await a.evaluate((e) => e.textContent.trim())) === 'Cell') {
      await a.click();
      opened = true;
      break;
    }
  }
  if (!opened) throw new Error('no Cell menu on the notebook page');
  await page.waitForSelector('#run_all_cells a', { visible: true });
  const t0 = Date.now();
  await page.click('#run_all_cells a');
  await page.waitForFunction(() => {
    const code = Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code');
    const ran = code.every((c) => typeof c.input_prompt_number === 'number');
    return ran && document.querySelector('#kernel_indicator_icon.kernel_idle_icon') !== null;
  }, { timeout: RUN_TIMEOUT_MS, polling: 500 });
  return (Date.now() - t0) / 1000;
}

function cellsInfo(page) {
  return page.evaluate(() => Jupyter.notebook.get_cells().map((c, i) => ({
    i, type: c.cell_type, source: c.get_text(),
    errors: c.element[0].querySelectorAll('.output_error').length,
    stderr: [...c.element[0].querySelectorAll('.output_stderr')].map((e) => e.textContent.slice(0, 200)),
  })));
}

async function cellElement(page, needle) {
  const index = await page.evaluate((n) => Jupyter.notebook.get_cells().findIndex((c) => c.get_text().includes(n)),
    needle);
  if (index < 0) throw new Error(`no cell containing '${needle}'`);
  return (await page.$$('#notebook-container > .cell'))[index];
}

async function chartState(handle) {
  return handle.evaluate((cell) => {
    const plot = cell.querySelector('.js-plotly-plot');
    return {
      plot: plot !== null,
      svg: plot ? plot.querySelectorAll('svg.main-svg').length : 0,
      bars: plot ? plot.querySelectorAll('.barlayer .point path').length : 0,
      title: plot ? (plot.querySelector('.gtitle') || { textContent: '' }).textContent : '',
      note: [...cell.querySelectorAll('p')].some((p) => p.textContent.includes('This chart needs plotly.js')),
    };
  });
}

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', `--user-data-dir=${userData}`],
});
try {
  // 1. Task 1 in the live notebook
  const page = await offlinePage(browser);
  const seconds = await openAndRunAll(page, TASK1);
  console.log(`     Task 1: Run All finished in ${seconds.toFixed(1)} s`);
  const cells = await cellsInfo(page);
  const bad = cells.filter((c) => c.errors > 0 || c.stderr.length > 0);
  check(bad.length === 0, `Task 1: no error or stderr output${bad.length ? ': ' + JSON.stringify(bad.map(
    (c) => ({ cell: c.i, stderr: c.stderr, errors: c.errors }))) : ''}`);

  const gridCell = await cellElement(page, 'augmentationGrid');
  const img = await gridCell.evaluate((cell) => {
    const i = cell.querySelector('.output_png img, .output_area img');
    return i ? { complete: i.complete, w: i.naturalWidth, h: i.naturalHeight } : null;
  });
  check(img !== null && img.complete && img.w >= 100 && img.h >= 100,
    `Task 1: augmentation grid image shown (${img ? `${img.w}x${img.h}` : 'no <img>'})`);
  await gridCell.screenshot({ path: path.join(out, 'task1-augmentation-grid.png') });

  const chartCell = await cellElement(page, 'Charts.bar');
  await page.waitForFunction((c) => c.querySelector('.js-plotly-plot svg.main-svg'), { timeout: 20000 }, chartCell)
    .catch(() => {});
  const chart = await chartState(chartCell);
  check(chart.plot && !chart.note && chart.svg > 0 && chart.bars === 10 && chart.title.includes('Class probabilities'),
    `Task 1: Plotly bar chart drew its SVG (${JSON.stringify(chart)})`);
  await chartCell.screenshot({ path: path.join(out, 'task1-chart.png') });
  const libraries = await page.evaluate(() => [...document.querySelectorAll('.output_area script')]
    .filter((s) => s.textContent.includes('plotly.js v')).length);
  check(libraries === 1, `Task 1: plotly.js is on the page once (${libraries} copies)`);
  await page.evaluate(() => document.querySelector('#notebook-container > .cell').scrollIntoView());
  await page.screenshot({ path: path.join(out, 'task1-page.png') });

  // 2. The executed notebook's HTML copy, opened from a file with the network blocked
  const nbJson = await page.evaluate(() => JSON.stringify(Jupyter.notebook.toJSON()));
  const executed = path.join(out, 'task1-executed.ipynb');
  fs.writeFileSync(executed, nbJson);
  const htmlCopy = path.join(out, 'task1-executed.html');
  execFileSync(process.env.LABKIT_PYTHON || '/usr/bin/python3', ['-c', `
import sys, nbformat
from nbconvert import HTMLExporter
nb = nbformat.read(sys.argv[1], as_version=4)
open(sys.argv[2], "w", encoding="utf-8").write(HTMLExporter().from_notebook_node(nb)[0])`, executed, htmlCopy]);
  await page.evaluate(() => Jupyter.notebook.session.delete());
  const copy = await offlinePage(browser);
  await copy.goto(`file://${htmlCopy}`, { waitUntil: 'load' });
  await copy.waitForSelector('.js-plotly-plot svg.main-svg', { timeout: 20000 }).catch(() => {});
  const copyChart = await chartState(await copy.$('body'));
  check(copyChart.svg > 0 && copyChart.bars === 10, `HTML copy: the bar chart draws offline (${JSON.stringify(copyChart)})`);
  const chartInCopy = await copy.$('.js-plotly-plot');
  if (chartInCopy) await chartInCopy.screenshot({ path: path.join(out, 'task1-html-copy-chart.png') });
  await copy.close();

  // 3. Progress bars update in place
  await api('PUT', `contents/${PROGRESS}`, {
    type: 'notebook', format: 'json', content: {
      nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'java', display_name: 'Java (labkit)', language: 'java' } },
      cells: [
        { cell_type: 'code', id: 'jars', metadata: {}, outputs: [], execution_count: null,
          source: '%jars ../labkit/target/labkit-all.jar' },
        { cell_type: 'code', id: 'bar', metadata: {}, outputs: [], execution_count: null, source: [
          'var bar = new labkit.train.ProgressBar(System.out);\n',
          'bar.start(1, 1, 40);\n',
          'for (int i = 1; i <= 40; i++) { Thread.sleep(100); bar.update(i, java.util.Map.of("loss", 1.0 / i)); }\n',
          'bar.finish(java.util.Map.of("loss", 0.025), 4.0);'].join('') },
        { cell_type: 'code', id: 'rows', metadata: {}, outputs: [], execution_count: null,
          source: 'for (int i = 1; i <= 4; i++) { System.out.println("row " + i); Thread.sleep(800); }' },
      ],
    },
  });
  try {
    const prog = await offlinePage(browser);
    await prog.goto(`${base}notebooks/${PROGRESS}?token=${token}`, { waitUntil: 'load' });
    await prog.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook._fully_loaded
        && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()
        && document.querySelector('#kernel_indicator_icon.kernel_idle_icon'), { timeout: 120000, polling: 250 });
    await prog.evaluate(() => Jupyter.notebook.set_autosave_interval(0));
    await prog.evaluate(() => Jupyter.notebook.execute_all_cells());
    // Polls cell `index` until it has run: the distinct texts of its stream output, each with whether the cell
    // was still running when it was seen.
    const watch = async (index, done) => {
      const snapshots = [];
      const deadline = Date.now() + 120000;
      while (Date.now() < deadline) {
        const s = await prog.evaluate((i) => {
          const cell = Jupyter.notebook.get_cell(i);
          const stream = cell.element[0].querySelector('.output_stream');
          return { running: cell.element[0].querySelector('.input_prompt').textContent.includes('*'),
            ran: typeof cell.input_prompt_number === 'number', text: stream ? stream.textContent : '' };
        }, index);
        if (s.text && (snapshots.length === 0 || snapshots[snapshots.length - 1].text !== s.text)) snapshots.push(s);
        if (s.ran && !s.running && done(s.text)) return { finished: true, snapshots };
        await new Promise((r) => setTimeout(r, 100));
      }
      return { finished: false, snapshots };
    };
    const bar = await watch(1, (t) => t.includes('|'));
    const during = bar.snapshots.filter((s) => s.running);
    const oneLine = bar.snapshots.every((s) => s.text.replace(/\n$/, '').split('\n').length === 1);
    const last = bar.snapshots.length ? bar.snapshots[bar.snapshots.length - 1].text : '';
    console.log(`     progress: ${during.length} different bars seen while the cell ran; last: ${JSON.stringify(last)}`);
    check(bar.finished && during.length >= 3 && oneLine
      && /epoch 1\/1 \[#{24}\] 40\/40 loss 0\.0250 \| 4\.0s/.test(last),
      'progress bar redraws in place while the cell runs (one line, several states, final line with the time)');
    // Plain println lines (the compression study's rows) must arrive while the cell runs, not at its end.
    const lines = await watch(2, (t) => t.includes('row 4'));
    const partial = lines.snapshots.filter((s) => s.running && s.text.includes('row 1') && !s.text.includes('row 4'));
    console.log(`     println: ${partial.length} partial outputs seen while the cell ran`);
    check(lines.finished && partial.length >= 2, 'println lines appear one by one while the cell runs');
    const progCell = (await prog.$$('#notebook-container > .cell'))[1];
    await progCell.screenshot({ path: path.join(out, 'progress.png') });
    await prog.evaluate(() => Jupyter.notebook.session.delete());
    await prog.close();
  } finally {
    await api('DELETE', `contents/${PROGRESS}`);
  }
} catch (e) {
  failures.push(`${e.name}: ${e.message}`);
  console.log(`FAIL ${e.stack || e}`);
} finally {
  await browser.close();
  fs.rmSync(userData, { recursive: true, force: true });
}

check(consoleErrors.length === 0, `no JavaScript errors in the pages${consoleErrors.length ? ': ' + consoleErrors.join(' | ') : ''}`);
// The checks above ran with these blocked: what they saw works without network.
console.log(`     requests that would have left the machine (blocked): ${blocked.length ? [...new Set(blocked)].join(', ') : 'none'}`);
console.log(failures.length === 0 ? 'browser test: all checks passed' : `browser test: ${failures.length} check(s) failed`);
process.exit(failures.length === 0 ? 0 : 1);
