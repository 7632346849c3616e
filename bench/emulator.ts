// `npm run bench:emulator`: requests/second and p99 latency of the IMDS emulator at 64 concurrent
// keep-alive connections on loopback, with an IMDSv2 token on every GET (IMDSv2 required, so the
// token is really checked). Uses wrk (Debian package `wrk`) when installed, else autocannon.
// Target: ≥ 25,000 req/s and p99 ≤ 10 ms on a leaf GET (a bare node:http server: ~58,000 with wrk).
//   tsx bench/emulator.ts [--seconds N] [--tool wrk|autocannon]
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { writeBenchReport, type BenchRow } from './report';

const root = path.resolve(__dirname, '..');
const CONNECTIONS = 64;
const TARGET_RPS = 25_000;
const TARGET_P99_MS = 10;

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const seconds = Number(arg('seconds') ?? 10);
const hasWrk = spawnSync('wrk', ['--version']).error === undefined;
const tool = (arg('tool') ?? (hasWrk ? 'wrk' : 'autocannon')) as 'wrk' | 'autocannon';

interface Result {
  rps: number;
  p99Ms: number;
  errors: number;
}

/** wrk prints "Requests/sec: 41234.56" and, with --latency, "99%    3.21ms". */
function parseWrk(out: string): Result {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  const scale = p99?.[2] === 'us' ? 0.001 : p99?.[2] === 's' ? 1000 : 1;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  if (!Number.isFinite(rps) || !p99) throw new Error(`Could not read wrk's output:\n${out}`);
  return { rps, p99Ms: Number(p99[1]) * scale, errors };
}

function runWrk(url: string, headers: Record<string, string>, durationSeconds = seconds): Promise<Result> {
  // One wrk thread drives 64 connections easily and leaves the other core to the emulator.
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${durationSeconds}s`, '--latency'];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    // Asynchronous on purpose: the emulator answers from this process's event loop meanwhile.
    const child = spawn('wrk', args);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`wrk exited ${code}:\n${out}`));
      else {
        try {
          resolve(parseWrk(out));
        } catch (err) {
          reject(err);
        }
      }
    });
  });
}

async function runAutocannon(url: string, headers: Record<string, string>): Promise<Result> {
  // autocannon is JavaScript: on two cores it competes with the emulator for CPU more than wrk does.
  const autocannon = require('autocannon') as (opts: object) => Promise<{ requests: { average: number }; latency: { p99: number }; errors: number; non2xx: number; timeouts: number }>;
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, pipelining: 1 });
  return { rps: r.requests.average, p99Ms: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts };
}

/** The emulator as users run it: its CLI in a process of its own, so the load tool never shares its thread. */
async function startCliEmulator(args: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/emulator/cli.ts'), '--port', '0', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /IMDS emulator listening on (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`emulator exited ${code}: ${err}`)));
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { url, stop };
}

async function measure(baseUrl: string, urlPath: string, headers: Record<string, string>): Promise<Result> {
  const url = baseUrl + urlPath;
  // Unmeasured warm-up at full load, so the JIT is done and the 64 sockets are open: steady state only.
  if (tool === 'wrk') await runWrk(url, headers, 2);
  else {
    const warm = Date.now() + 2000;
    while (Date.now() < warm) await fetch(url, { headers }).then((r) => r.arrayBuffer());
  }
  return tool === 'wrk' ? runWrk(url, headers) : runAutocannon(url, headers);
}

async function main(): Promise<void> {
  console.log(`IMDS emulator benchmark: ${tool}, ${CONNECTIONS} keep-alive connections, ${seconds} s per case, Node ${process.version}`);
  const rows: BenchRow[] = [];
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  const notes: string[] = [
    `load average before: ${load()} (other work on this machine lowers throughput and raises p99)`,
    `tool: ${tool}${tool === 'autocannon' ? (hasWrk ? ' (chosen with --tool)' : ' (wrk is not installed: install the Debian package wrk for figures comparable to the target)') : ''}; the emulator runs as its CLI in its own process`,
  ];
  const required = await startCliEmulator(['--imdsv2', 'required']);
  try {
    const put = await fetch(`${required.url}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' } });
    const token = await put.text();
    if (put.status !== 200) throw new Error(`token PUT answered ${put.status}`);
    const withToken = { 'X-aws-ec2-metadata-token': token };

    const leaf = await measure(required.url, '/latest/meta-data/instance-id', withToken);
    rows.push({ metric: 'leaf GET + IMDSv2 token: throughput', value: Math.round(leaf.rps), unit: 'req/s', target: `≥ ${TARGET_RPS.toLocaleString('en-US')}`, ok: leaf.rps >= TARGET_RPS });
    rows.push({ metric: 'leaf GET + IMDSv2 token: p99 latency', value: Number(leaf.p99Ms.toFixed(2)), unit: 'ms', target: `≤ ${TARGET_P99_MS} ms`, ok: leaf.p99Ms <= TARGET_P99_MS });
    rows.push({ metric: 'leaf GET + IMDSv2 token: errors', value: leaf.errors, unit: '', target: '0', ok: leaf.errors === 0 });

    const listing = await measure(required.url, '/latest/meta-data/', withToken);
    rows.push({ metric: 'listing GET + token: throughput', value: Math.round(listing.rps), unit: 'req/s' });
    rows.push({ metric: 'listing GET + token: p99 latency', value: Number(listing.p99Ms.toFixed(2)), unit: 'ms' });
  } finally {
    await required.stop();
  }
  const optional = await startCliEmulator(['--imdsv2', 'optional']);
  try {
    const v1 = await measure(optional.url, '/latest/meta-data/instance-id', {});
    rows.push({ metric: 'leaf GET, IMDSv1: throughput', value: Math.round(v1.rps), unit: 'req/s' });
    rows.push({ metric: 'leaf GET, IMDSv1: p99 latency', value: Number(v1.p99Ms.toFixed(2)), unit: 'ms' });
  } finally {
    await optional.stop();
  }
  notes.push(`load average after: ${load()}`);
  writeBenchReport('emulator', rows, notes);
  const missed = rows.filter((r) => r.ok === false);
  console.log(missed.length ? `\n${missed.length} target(s) missed` : '\nall targets met');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
