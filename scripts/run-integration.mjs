// Runs the mocha integration suite inside the real VS Code (code-server + headless Chromium).
// The exit code is mocha's, as reported by the workbench through `codeAutomationExit`.
// Writes out/integration-results.json ({passed, failed, skipped, failures}) and screenshots/*.png.
//   node scripts/run-integration.mjs [--no-build] [--grep PATTERN] [--verbose]
//     [--repeat N] [--cpu-load N]
// --repeat N runs the whole suite N times (each a full run, built once) and prints one summary
// line; --cpu-load N keeps N cores busy meanwhile (bounded busy loops, killed at the end), to show
// the suite does not depend on a quiet machine.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { ensureCodeServer, launchBrowser, root, startCodeServer, workbenchUrl } from './lib/codeServer.mjs';

const argv = process.argv.slice(2);
const repeatIndex = argv.indexOf('--repeat');
const loadIndex = argv.indexOf('--cpu-load');
const verbose = argv.includes('--verbose');
const grepIndex = argv.indexOf('--grep');
const RUN_TIMEOUT_MS = Number(process.env.IMDS_INTEGRATION_TIMEOUT_MS ?? 15 * 60_000);

const resultsFile = path.join(root, 'out/integration-results.json');
const reportFile = path.join(root, 'out/integration-report.txt');
const screenshotDir = path.join(root, 'screenshots');
if (repeatIndex >= 0 || loadIndex >= 0) process.exit(await repeatRuns());
mkdirSync(path.dirname(resultsFile), { recursive: true });
mkdirSync(screenshotDir, { recursive: true });
rmSync(resultsFile, { force: true });
rmSync(reportFile, { force: true });

ensureCodeServer();
if (!argv.includes('--no-build')) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--tests'], { stdio: 'inherit', cwd: root });

// A fresh copy of the fixture workspace, so tests may write into it.
const workspace = mkdtempSync(path.join(os.tmpdir(), 'imds-workspace-'));
cpSync(path.join(root, 'test/fixtures/workspace'), workspace, { recursive: true });

let page;

/** Waits until the text is visible in the page or any of its frames (webviews are nested iframes). */
async function waitForText(text, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if (await frame.getByText(text).first().isVisible().catch(() => false)) return;
    }
    if (Date.now() > deadline) throw new Error(`"${text}" did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// The suite asks for screenshots over HTTP at the moments that matter (test/integration/support.ts).
// It also clicks a button of a dialog or notification (/click?button=Label) and types into the
// focused input, such as a quick pick's filter (/type?text=…), in the page, as a person would.
/** What the suite can ask of the page (test/integration/support.ts); each answers a line, or 500 with the error. */
const pageActions = {
  async '/click'(params) {
    const holders = page.locator('.monaco-dialog-box, .notification-toast-container');
    await holders.getByRole('button', { name: params.get('button') ?? '', exact: true }).first().click({ timeout: 15_000 });
    return 'clicked';
  },
  async '/type'(params) {
    await page.keyboard.type(params.get('text') ?? '', { delay: 20 });
    return 'typed';
  },
  async '/screenshot'(params) {
    const name = (params.get('name') ?? 'shot').replace(/[^\w.-]/g, '_');
    const showing = params.get('text'); // wait until this text is on screen (a dialog, a notification, a webview)
    if (showing) await waitForText(showing);
    await new Promise((r) => setTimeout(r, 400)); // let the workbench paint
    const file = path.join(screenshotDir, `${name}.png`);
    await page.screenshot({ path: file });
    return file;
  },
};

const shots = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  try {
    res.end(await (pageActions[url.pathname] ?? pageActions['/screenshot'])(url.searchParams));
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
});
await new Promise((r) => shots.listen(0, '127.0.0.1', r));

const server = await startCodeServer({
  workspace,
  verbose,
  env: {
    IMDS_TEST_RESULTS: resultsFile,
    IMDS_TEST_REPORT: reportFile,
    IMDS_SCREENSHOT_URL: `http://127.0.0.1:${shots.address().port}`,
    IMDS_TEST_WORKSPACE: workspace,
    IMDS_REPO_ROOT: root,
    ...(grepIndex >= 0 ? { IMDS_TEST_GREP: argv[grepIndex + 1] } : {}),
  },
});

const browser = await launchBrowser();
let exitCode;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  // code-server asks for a password (see scripts/lib/codeServer.mjs): the context logs in first.
  await server.authenticate(context);
  page = await context.newPage();
  const done = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (code) => resolve(Number(code))));
  // Workbench and extension-host console output only with --verbose; mocha's report comes from its file.
  if (verbose) page.on('console', (msg) => console.log(msg.text()));
  const testsPath = path.join(root, 'out/test/integration/index.js');
  await page.goto(workbenchUrl(server, { workspace, extensionPath: root, testsPath }));
  const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), RUN_TIMEOUT_MS));
  exitCode = await Promise.race([done, timeout]);
  if (exitCode === 'timeout') {
    console.error(`integration: no result within ${RUN_TIMEOUT_MS / 1000} s`);
    await page.screenshot({ path: path.join(screenshotDir, 'timeout.png') }).catch(() => {});
    exitCode = 1;
  }
} finally {
  await browser.close().catch(() => {});
  await server.stop();
  shots.close();
  rmSync(workspace, { recursive: true, force: true });
}

if (!existsSync(resultsFile)) {
  console.error('integration: the suite wrote no results (did the extension host start? run with --verbose)');
  if (verbose) console.error(server.output());
  writeFileSync(resultsFile, JSON.stringify({ passed: 0, failed: 1, skipped: 0, failures: [{ title: 'integration run', error: 'no results' }] }));
  process.exit(1);
}
if (existsSync(reportFile)) process.stdout.write(readFileSync(reportFile, 'utf8'));
const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
for (const f of results.failures) console.error(`✗ ${f.title}\n${f.error}\n`);
console.log(`integration (VS Code in code-server): ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped; exit ${exitCode}`);
process.exit(exitCode === 0 && results.failed === 0 ? 0 : 1);

/** A whole number option (`--name N`) within bounds, or the fallback when absent. */
function countOption(index, name, fallback, max) {
  if (index < 0) return fallback;
  const n = Number(argv[index + 1]);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    console.error(`--${name} takes a whole number 0..${max} (got ${argv[index + 1]})`);
    process.exit(2);
  }
  return n;
}

/** `--repeat N [--cpu-load N]`: N full runs of this script, under load, then one summary line. */
async function repeatRuns() {
  const repeat = countOption(repeatIndex, 'repeat', 1, 100);
  const load = countOption(loadIndex, 'cpu-load', 0, os.cpus().length * 4);
  const dropped = new Set([repeatIndex, loadIndex].filter((i) => i >= 0).flatMap((i) => [i, i + 1]));
  const rest = argv.filter((_, i) => !dropped.has(i));
  const script = new URL(import.meta.url).pathname;
  if (!rest.includes('--no-build')) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--tests'], { stdio: 'inherit', cwd: root });
  // Each burner spins until its own deadline even if this script dies without killing it.
  const deadlineMs = repeat * RUN_TIMEOUT_MS + 60_000;
  const burners = Array.from({ length: load }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${deadlineMs}; while (Date.now() < end) {}`], { stdio: 'ignore' }),
  );
  const stopBurners = () => burners.forEach((b) => b.exitCode === null && b.kill('SIGKILL'));
  process.once('SIGINT', () => {
    stopBurners();
    process.exit(130);
  });
  const runs = [];
  const started = Date.now();
  try {
    for (let i = 1; i <= repeat; i++) {
      const runStarted = Date.now();
      const code = await new Promise((resolve) => {
        const child = spawn(process.execPath, [script, ...rest.filter((a) => a !== '--no-build'), '--no-build'], { stdio: 'inherit', cwd: root });
        child.on('exit', (c) => resolve(c ?? 1));
      });
      let results = { passed: 0, failed: 1, skipped: 0, failures: [{ title: 'integration run', error: 'no results' }] };
      try {
        results = JSON.parse(readFileSync(resultsFile, 'utf8'));
      } catch {
        // The run wrote nothing: counted as a failed run.
      }
      const ok = code === 0 && results.failed === 0;
      runs.push({ ok, ...results });
      console.log(`integration repeat ${i}/${repeat}: ${ok ? 'ok' : 'FAILED'}, ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped in ${Math.round((Date.now() - runStarted) / 1000)} s${load ? ` (cpu-load ${load})` : ''}`);
    }
  } finally {
    stopBurners();
  }
  const failedRuns = runs.filter((r) => !r.ok);
  const titles = [...new Set(failedRuns.flatMap((r) => r.failures.map((f) => f.title)))];
  console.log(
    `integration repeat summary: ${runs.length} runs under cpu-load ${load}, ${runs.length - failedRuns.length} passed, ${failedRuns.length} failed; ` +
      `tests ${runs.reduce((n, r) => n + r.passed, 0)} passed, ${runs.reduce((n, r) => n + r.failed, 0)} failed in ${Math.round((Date.now() - started) / 1000)} s` +
      (titles.length ? `; failing: ${titles.join(' | ')}` : ''),
  );
  return failedRuns.length === 0 ? 0 : 1;
}
