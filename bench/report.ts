// Benchmarks report rows in one shape so `npm run bench` can print a single table:
// each bench writes out/bench/<name>.json and prints its own table.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface BenchRow {
  metric: string;
  value: number;
  unit: string;
  /** Human form of the target, e.g. '≥ 25000' or '≤ 300 ms'. */
  target?: string;
  /** Whether the value meets the target (undefined: no target). */
  ok?: boolean;
}

const root = path.resolve(__dirname, '..');

export function writeBenchReport(name: string, rows: BenchRow[], notes: string[] = []): void {
  const dir = path.join(root, 'out', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ name, rows, notes, at: new Date().toISOString() }, null, 2));
  printTable(name, rows);
  for (const n of notes) console.log(`  note: ${n}`);
}

export function printTable(title: string, rows: BenchRow[]): void {
  const cells = rows.map((r) => [r.metric, formatValue(r.value, r.unit), r.target ?? '', r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED']);
  const head = ['metric', 'value', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
}

function formatValue(value: number, unit: string): string {
  const n = Number.isInteger(value) ? value.toLocaleString('en-US') : value.toLocaleString('en-US', { maximumFractionDigits: 2 });
  return unit ? `${n} ${unit}` : n;
}
