// `npm run bench:crawl`: whole-tree read of the emulator's default tree by ImdsClient (one token,
// concurrent breadth-first) against @aws-sdk/ec2-metadata-service MetadataService reading the
// same paths one after another, as code that walks the tree with it does (it has no crawl of its
// own, and fetches a new token for every request). The emulator runs in a child process and adds
// 2 ms latency per request. Then the same crawl of a tree 10× larger (hundreds of tags, several
// network interfaces), to show how the time grows.
// Targets: ≥ 10× faster and ≤ 0.52× the requests of the SDK on the default tree.
//   tsx bench/crawl.ts [--runs N] [--latency MS]
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { ImdsClient } from '../src/imds/client';
import type { CrawlEmulatorCommand } from './crawlEmulator';
import { writeBenchReport, type BenchRow } from './report';

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const runs = Number(arg('runs') ?? 15);
const latencyMs = Number(arg('latency') ?? 2);
const TARGET_SPEEDUP = 10;
const TARGET_REQUEST_RATIO = 0.52;

interface Counters {
  requests: number;
  tokenPuts: number;
}

class EmulatorProcess {
  private constructor(private readonly child: ChildProcess, readonly url: string) {}

  static async start(): Promise<EmulatorProcess> {
    const child = fork(path.join(__dirname, 'crawlEmulator.ts'), [String(latencyMs)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { url: string }) => resolve(m.url));
      child.once('exit', (code) => reject(new Error(`emulator process exited (${code})`)));
    });
    return new EmulatorProcess(child, url);
  }

  command(command: CrawlEmulatorCommand): Promise<Counters> {
    return new Promise((resolve) => {
      this.child.once('message', (m: Counters) => resolve(m));
      this.child.send(command);
    });
  }

  stop(): void {
    this.child.disconnect();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Median wall time of `runs` whole-tree crawls (after one warm-up), and the requests of one. */
async function measureClient(emulator: EmulatorProcess): Promise<{ ms: number; requests: number; paths: string[] }> {
  const client = new ImdsClient({ endpoint: emulator.url, env: {} });
  await client.snapshot(); // warm-up: JIT, connections
  const times: number[] = [];
  let requests = 0;
  let paths: string[] = [];
  for (let i = 0; i < runs; i++) {
    client.resetSession(); // each crawl pays for its own token, as a fresh one would
    await emulator.command({ op: 'reset' });
    const started = performance.now();
    const snapshot = await client.snapshot();
    times.push(performance.now() - started);
    requests = (await emulator.command({ op: 'stats' })).requests;
    paths = snapshot.entries.map((e) => e.path);
    if (snapshot.entries.some((e) => e.kind === 'error')) throw new Error('the crawl met errors');
  }
  await client.close();
  return { ms: median(times), requests, paths };
}

/** The SDK reading the same paths, one after another; `concurrency` > 1 shows it with help. */
async function measureSdk(emulator: EmulatorProcess, paths: string[], sdkRuns: number, concurrency = 1): Promise<{ ms: number; requests: number }> {
  const sdk = new MetadataService({ endpoint: emulator.url });
  // MetadataService joins endpoint path and request path: give it paths without the leading slash.
  const read = (p: string) => sdk.request(p.slice(1), {});
  await read(paths[0]);
  const times: number[] = [];
  let requests = 0;
  for (let i = 0; i < sdkRuns; i++) {
    await emulator.command({ op: 'reset' });
    const started = performance.now();
    if (concurrency === 1) {
      for (const p of paths) await read(p);
    } else {
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < paths.length) await read(paths[next++]);
      }));
    }
    times.push(performance.now() - started);
    requests = (await emulator.command({ op: 'stats' })).requests;
  }
  return { ms: median(times), requests };
}

/** Grows the tree about tenfold: hundreds of tags and more network interfaces like the first. */
async function growTree(emulator: EmulatorProcess, defaultPaths: string[]): Promise<void> {
  const values: Array<[string, string]> = [];
  for (let i = 0; i < 600; i++) values.push([`meta-data/tags/instance/tag-${String(i).padStart(3, '0')}`, `value-${i}`]);
  const macDir = defaultPaths.find((p) => /\/macs\/[0-9a-f:]{17}\/$/.test(p))!;
  const nicLeaves = defaultPaths.filter((p) => p.startsWith(macDir) && !p.endsWith('/'));
  for (let n = 1; n <= 8; n++) {
    const mac = `0e:49:61:0f:c4:${n.toString(16).padStart(2, '0')}`;
    for (const leaf of nicLeaves) {
      const rest = leaf.slice(macDir.length).replace('203.0.113.25', `203.0.113.${30 + n}`);
      values.push([`meta-data/network/interfaces/macs/${mac}/${rest}`, rest === 'device-number' ? String(n) : rest === 'mac' ? mac : `nic-${n}-${rest}`]);
    }
  }
  await emulator.command({ op: 'setValues', values });
}

async function main(): Promise<void> {
  const emulator = await EmulatorProcess.start();
  try {
    const client = await measureClient(emulator);
    const sdk = await measureSdk(emulator, client.paths, Math.max(3, Math.ceil(runs / 2)));
    const sdkConcurrent = await measureSdk(emulator, client.paths, Math.max(3, Math.ceil(runs / 2)), 16);
    await growTree(emulator, client.paths);
    const large = await measureClient(emulator);
    const largeSdk = await measureSdk(emulator, large.paths, 1);

    const speedup = sdk.ms / client.ms;
    const requestRatio = client.requests / sdk.requests;
    const rows: BenchRow[] = [
      { metric: `default tree (${client.paths.length} paths): ImdsClient crawl`, value: round(client.ms), unit: 'ms' },
      { metric: 'default tree: SDK MetadataService, same paths in sequence', value: round(sdk.ms), unit: 'ms' },
      { metric: 'default tree: speed-up over the SDK', value: round(speedup), unit: '×', target: `≥ ${TARGET_SPEEDUP}×`, ok: speedup >= TARGET_SPEEDUP },
      { metric: 'default tree: ImdsClient requests', value: client.requests, unit: '' },
      { metric: 'default tree: SDK requests', value: sdk.requests, unit: '' },
      { metric: 'default tree: request ratio ImdsClient / SDK', value: round(requestRatio, 3), unit: '×', target: `≤ ${TARGET_REQUEST_RATIO}×`, ok: requestRatio <= TARGET_REQUEST_RATIO },
      { metric: 'default tree: SDK with 16 reads in flight (paths known up front)', value: round(sdkConcurrent.ms), unit: 'ms' },
      { metric: `10× tree (${large.paths.length} paths): ImdsClient crawl`, value: round(large.ms), unit: 'ms' },
      { metric: '10× tree: growth of crawl time vs default tree', value: round(large.ms / client.ms, 2), unit: '×' },
      { metric: '10× tree: SDK, same paths in sequence', value: round(largeSdk.ms), unit: 'ms' },
      { metric: '10× tree: speed-up over the SDK', value: round(largeSdk.ms / large.ms), unit: '×' },
      { metric: '10× tree: ImdsClient requests / SDK requests', value: large.requests, unit: `/ ${largeSdk.requests}` },
    ];
    writeBenchReport('crawl', rows, [
      `emulator in a child process adding ${latencyMs} ms per request; medians of ${runs} crawls after a warm-up, each crawl with a fresh token`,
      'ImdsClient: one token, listings first, up to 16 requests in flight; SDK: a new token and a new connection per request',
      `the tree grew ${round(large.paths.length / client.paths.length, 1)}× (600 tags, 8 more network interfaces)`,
    ]);
    if (!(speedup >= TARGET_SPEEDUP && requestRatio <= TARGET_REQUEST_RATIO)) process.exitCode = 1;
  } finally {
    emulator.stop();
  }
}

void main();
