// `npm test`: every check and test layer, one closing line `N passed, N failed, N skipped`.
//   1. Debian packages and code-server (scripts/setup-deps.sh, quick when present)
//   2. lint and type check
//   3. unit tests: plain Node (node:test via tsx) against real local servers
//   4. integration tests: one mocha suite inside the real VS Code (code-server), with screenshots
//   node scripts/test.mjs [--only unit|integration] [--skip-setup] [files…]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const argv = process.argv.slice(2);
const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const files = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--only');
const totals = { passed: 0, failed: 0, skipped: 0 };
const started = Date.now();

function run(label, cmd, args, options = {}) {
  console.log(`\n── ${label} ──`);
  const t0 = Date.now();
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...options });
  console.log(`── ${label}: ${res.status === 0 ? 'ok' : `FAILED (exit ${res.status ?? res.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return res.status === 0;
}

function findTests(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return findTests(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

function check(label, ok) {
  if (ok) totals.passed++;
  else totals.failed++;
}

mkdirSync(path.join(root, 'out'), { recursive: true });
if (!argv.includes('--skip-setup') && only !== 'unit') check('setup', run('setup: Debian packages and code-server', 'bash', ['scripts/setup-deps.sh']));
else if (!argv.includes('--skip-setup')) run('setup: Debian packages', 'bash', ['scripts/setup-deps.sh']);

if (!only) {
  check('lint', run('lint (eslint)', process.execPath, ['node_modules/eslint/bin/eslint.js', '--no-error-on-unmatched-pattern', 'src', 'test', 'bench', 'scripts']));
  check('typecheck', run('type check (tsc --noEmit)', process.execPath, ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.']));
}

if (!only || only === 'unit') {
  const unitFiles = files.length ? files : findTests(path.join(root, 'test/unit')).sort();
  const countsFile = path.join(root, 'out/unit-results.json');
  rmSync(countsFile, { force: true });
  run(`unit tests (${unitFiles.length} files, node:test)`, process.execPath, [
    '--import', 'tsx',
    '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/count-reporter.mjs', `--test-reporter-destination=${countsFile}`,
    ...unitFiles,
  ]);
  if (existsSync(countsFile)) {
    const unit = JSON.parse(readFileSync(countsFile, 'utf8'));
    for (const f of unit.failures) console.error(`✗ ${f.name} (${path.relative(root, f.file ?? '')}): ${f.error}`);
    console.log(`unit: ${unit.passed} passed, ${unit.failed} failed, ${unit.skipped} skipped`);
    totals.passed += unit.passed;
    totals.failed += unit.failed;
    totals.skipped += unit.skipped;
  } else {
    console.error('unit: the test runner wrote no results');
    totals.failed++;
  }
}

if (!only || only === 'integration') {
  // Built here, after the unit layer: its release test makes a production build of its own.
  check('build', run('build (esbuild)', process.execPath, ['scripts/build.mjs', '--tests']));
  const resultsFile = path.join(root, 'out/integration-results.json');
  run('integration tests (mocha inside VS Code 1.100 / code-server)', process.execPath, ['scripts/run-integration.mjs', '--no-build']);
  if (existsSync(resultsFile)) {
    const integ = JSON.parse(readFileSync(resultsFile, 'utf8'));
    totals.passed += integ.passed;
    totals.failed += integ.failed;
    totals.skipped += integ.skipped;
  } else {
    console.error('integration: the suite wrote no results');
    totals.failed++;
  }
}

console.log(`\nAll layers took ${((Date.now() - started) / 1000).toFixed(0)} s (lint, type check, build and setup count as one test each).`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
