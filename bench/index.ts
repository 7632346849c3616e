// `npm run bench`: runs every benchmark (each `bench:*` npm script) one after another, then prints
// one table from their reports in out/bench/. Benchmarks, not tests: figures vary with the machine.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { printTable, type BenchRow } from './report';

const root = path.resolve(__dirname, '..');
const scripts: Record<string, string> = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
const only = process.argv.slice(2);
const names = Object.keys(scripts)
  .filter((s) => s.startsWith('bench:'))
  .map((s) => s.slice('bench:'.length))
  .filter((n) => !only.length || only.includes(n));

rmSync(path.join(root, 'out/bench'), { recursive: true, force: true });
const failed: string[] = [];
for (const name of names) {
  console.log(`\n═══ bench:${name} ═══`);
  const res = spawnSync('npm', ['run', '--silent', `bench:${name}`], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) failed.push(name);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`\n═══ summary: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)} ═══`);
const all: BenchRow[] = [];
for (const name of names) {
  const file = path.join(root, 'out/bench', `${name}.json`);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8')) as { rows: BenchRow[] };
  all.push(...report.rows.map((r) => ({ ...r, metric: `${name}: ${r.metric}` })));
}
printTable('all benchmarks', all);
if (failed.length) console.log(`\nbenchmarks that did not finish: ${failed.join(', ')}`);
const missed = all.filter((r) => r.ok === false);
console.log(missed.length ? `\n${missed.length} target(s) missed` : '\nall targets met');
process.exit(failed.length ? 1 : 0);
