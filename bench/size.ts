// Bundle and package size: what a user downloads, what VS Code parses at activation, and the lazy
// bundles loaded on first use. Needs a production build and a package: `npm run bench:size` does
// both first. Guards: dist/extension.js ≤ 600 KiB (0.1.0: ~537 KiB, of which undici's HTTP parser
// was 152 KiB; its plain, non-SIMD copy is now dist/llhttp-wasm.js, required only where SIMD
// WebAssembly fails), the .vsix ≤ 2 MiB, no AWS client in the activation bundle, each client in a
// lazy module of its own (dist/lazy/) and the SDK core once.
import { execFileSync } from 'node:child_process';
import { statSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeBenchReport, type BenchRow } from './report';

const root = path.resolve(__dirname, '..');
const kib = (file: string) => statSync(file).size / 1024;

const rows: BenchRow[] = [];
const extension = path.join(root, 'dist/extension.js');
rows.push({ metric: 'dist/extension.js (activation bundle)', value: Number(kib(extension).toFixed(1)), unit: 'KiB', target: '≤ 600 KiB', ok: kib(extension) <= 600 });
const sdkMarkers = [/["']AmazonSSM["']/, /["']AmazonEC2["']/, /["']GraniteServiceVersion20100801["']/, /["']TrentService["']/];
const activationText = readFileSync(extension, 'utf8');
rows.push({ metric: 'AWS SDK clients inside dist/extension.js', value: sdkMarkers.filter((m) => m.test(activationText)).length, unit: '', target: '= 0', ok: sdkMarkers.every((m) => !m.test(activationText)) });

// Lazy modules (dist/lazy/*.mjs): a room per AWS client, the SSM source and the session's
// WebSocket, plus the chunks they share. What a first use loads is the room and every chunk it
// imports statically; each is timed in a fresh Node process.
const lazyDir = path.join(root, 'dist/lazy');
const lazyFiles = existsSync(lazyDir) ? readdirSync(lazyDir).filter((f) => f.endsWith('.mjs')) : [];
const lazyText = new Map(lazyFiles.map((f) => [f, readFileSync(path.join(lazyDir, f), 'utf8')]));
rows.push({ metric: 'dist/lazy/ (all lazy modules)', value: Number(lazyFiles.reduce((sum, f) => sum + kib(path.join(lazyDir, f)), 0).toFixed(1)), unit: `KiB in ${lazyFiles.length} files` });
function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of lazyText.get(file)?.matchAll(/(?:from|import)\s*"\.\/([\w-]+\.mjs)"/g) ?? []) closure(m[1], seen);
  return seen;
}
function importMs(files: string[]): number {
  const script = `const t = performance.now(); ${files.map((f) => `await import(${JSON.stringify(path.join(lazyDir, f))});`).join(' ')} process.stdout.write(String(performance.now() - t));`;
  const runs = Array.from({ length: 7 }, () => Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }))).sort((x, y) => x - y);
  return runs[3];
}
const firstUses: Array<[string, string[]]> = [
  ['an SSM source read by a session (ssm-source + ssm-client + aws-credentials + session-websocket)', ['ssm-source.mjs', 'ssm-client.mjs', 'aws-credentials.mjs', 'session-websocket.mjs']],
  ['the EC2 API (ec2-client + aws-credentials)', ['ec2-client.mjs', 'aws-credentials.mjs']],
  ['the posture (posture-fleet: EC2 + CloudWatch, + aws-credentials)', ['posture-fleet.mjs', 'aws-credentials.mjs']],
];
for (const [what, rooms] of firstUses) {
  if (!rooms.every((f) => lazyText.has(f))) continue;
  const files = new Set<string>();
  for (const room of rooms) for (const f of closure(room)) files.add(f);
  const bytes = [...files].reduce((sum, f) => sum + kib(path.join(lazyDir, f)), 0);
  rows.push({ metric: `first use of ${what}: loads`, value: Number(bytes.toFixed(1)), unit: 'KiB' });
  rows.push({ metric: `first use of ${what}: import in a fresh Node, median of 7`, value: Number(importMs(rooms).toFixed(1)), unit: 'ms' });
}
// The SDK core once, each client on its own: a client's service target names it.
const clientMarkers = { SSM: /["']AmazonSSM["']/, EC2: /["']AmazonEC2["']/, CloudWatch: /["']GraniteServiceVersion20100801["']/, KMS: /["']TrentService["']/ };
const homes = Object.values(clientMarkers).map((m) => lazyFiles.filter((f) => m.test(lazyText.get(f)!)));
const ownModules = homes.every((h) => h.length === 1) && new Set(homes.map((h) => h[0])).size === homes.length;
rows.push({ metric: 'AWS clients each in one lazy module of its own', value: homes.filter((h) => h.length === 1).length, unit: `of ${homes.length}`, target: 'all', ok: ownModules });
const coreCopies = lazyFiles.filter((f) => /Could not load credentials from any providers/.test(lazyText.get(f)!)).length;
rows.push({ metric: 'copies of the credential chain (SDK core) in dist/lazy/', value: coreCopies, unit: '', target: '= 1 (SDK core once)', ok: coreCopies === 1 });

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
