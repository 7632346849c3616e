// Bundle and package size: what a user downloads, what VS Code parses at activation, and the lazy
// bundles loaded on first use. Needs a production build and a package: `npm run bench:size` does
// both first. Guards: dist/extension.js ≤ 600 KiB (0.1.0: ~537 KiB, of which undici's HTTP parser
// was 152 KiB; its plain, non-SIMD copy is now dist/llhttp-wasm.js, required only where SIMD
// WebAssembly fails), the .vsix ≤ 2 MiB, and the AWS SDK core once: one lazy AWS bundle, none in the
// activation bundle.
import { execFileSync } from 'node:child_process';
import { statSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeBenchReport, type BenchRow } from './report';

const root = path.resolve(__dirname, '..');
const kib = (file: string) => statSync(file).size / 1024;

const rows: BenchRow[] = [];
const extension = path.join(root, 'dist/extension.js');
rows.push({ metric: 'dist/extension.js (activation bundle)', value: Number(kib(extension).toFixed(1)), unit: 'KiB', target: '≤ 600 KiB', ok: kib(extension) <= 600 });
const sdkMarkers = [/["']AmazonSSM["']/, /["']AmazonEC2["']/, /["']GraniteServiceVersion20100801["']/];
const activationText = readFileSync(extension, 'utf8');
rows.push({ metric: 'AWS SDK clients inside dist/extension.js', value: sdkMarkers.filter((m) => m.test(activationText)).length, unit: '', target: '= 0', ok: sdkMarkers.every((m) => !m.test(activationText)) });

// Lazy bundles: every .js directly in dist/ but the activation bundle (dist/aws.js: SSM, EC2,
// KMS, CloudWatch and the posture; dist/llhttp-wasm.js).
const lazy = readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.js') && f !== 'extension.js');
for (const file of lazy) rows.push({ metric: `dist/${file} (lazy: loaded on first use)`, value: Number(kib(path.join(root, 'dist', file)).toFixed(1)), unit: 'KiB' });
// The SDK core (smithy's client, the SigV4 signer) once: only one lazy bundle carries a client.
const carriers = lazy.filter((f) => { const text = readFileSync(path.join(root, 'dist', f), 'utf8'); return sdkMarkers.some((m) => m.test(text)); });
// What the first SSM or EC2 use waits for: loading dist/aws.js, each time in a fresh Node process.
const awsBundle = path.join(root, 'dist/aws.js');
if (existsSync(awsBundle)) {
  const loads = Array.from({ length: 7 }, () =>
    Number(execFileSync(process.execPath, ['-e', `const t = performance.now(); require(${JSON.stringify(awsBundle)}); process.stdout.write(String(performance.now() - t))`], { encoding: 'utf8' })),
  ).sort((a, b) => a - b);
  rows.push({ metric: 'require(dist/aws.js) in a fresh Node, median of 7 (first SSM/EC2 use)', value: Number(loads[3].toFixed(1)), unit: 'ms' });
}
rows.push({ metric: 'lazy bundles carrying AWS SDK clients', value: carriers.length, unit: '', target: '= 1 (SDK core once)', ok: carriers.length === 1 });

for (const cli of ['imds.js', 'emulator.js']) {
  const file = path.join(root, 'dist/cli', cli);
  if (existsSync(file)) rows.push({ metric: `dist/cli/${cli}`, value: Number(kib(file).toFixed(1)), unit: 'KiB' });
}
const vsixDir = path.join(root, 'dist-vsix');
const vsix = existsSync(vsixDir) ? readdirSync(vsixDir).find((f) => f.endsWith('.vsix')) : undefined;
if (vsix) {
  const size = kib(path.join(vsixDir, vsix));
  rows.push({ metric: `${vsix}`, value: Number(size.toFixed(1)), unit: 'KiB', target: '≤ 2048 KiB (2 MiB)', ok: size <= 2048 });
}
writeBenchReport('size', rows);
