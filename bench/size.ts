// Bundle and package size: what a user downloads and what VS Code parses at activation.
// Needs a production build and a package: `npm run bench:size` does both first. The 600 KiB
// guard is a regression line (0.1.0: ~537 KiB, of which undici's HTTP parser is 152 KiB).
import { statSync, readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { writeBenchReport, type BenchRow } from './report';

const root = path.resolve(__dirname, '..');
const kib = (file: string) => statSync(file).size / 1024;

const rows: BenchRow[] = [];
const extension = path.join(root, 'dist/extension.js');
rows.push({ metric: 'dist/extension.js (activation bundle)', value: Number(kib(extension).toFixed(1)), unit: 'KiB', target: '≤ 600 KiB', ok: kib(extension) <= 600 });
const ssm = path.join(root, 'dist/ssm.js');
if (existsSync(ssm)) rows.push({ metric: 'dist/ssm.js (loaded only for SSM sources)', value: Number(kib(ssm).toFixed(1)), unit: 'KiB' });
for (const cli of ['imds.js', 'emulator.js']) {
  const file = path.join(root, 'dist/cli', cli);
  if (existsSync(file)) rows.push({ metric: `dist/cli/${cli}`, value: Number(kib(file).toFixed(1)), unit: 'KiB' });
}
const vsixDir = path.join(root, 'dist-vsix');
const vsix = existsSync(vsixDir) ? readdirSync(vsixDir).find((f) => f.endsWith('.vsix')) : undefined;
if (vsix) {
  const size = kib(path.join(vsixDir, vsix));
  rows.push({ metric: `${vsix}`, value: Number(size.toFixed(1)), unit: 'KiB', target: '≤ 1024 KiB', ok: size <= 1024 });
}
writeBenchReport('size', rows);
