// `npm run bench:posture`: the fleet posture of a seeded synthetic fleet (default 10,000 instances
// in 4 Regions) with the real EC2 and CloudWatch SDK clients against the local endpoints, which run
// in a child process (`npm run fleet-endpoint`), so the heap measured here is the posture's alone.
// Reports API calls by kind against the budget (DescribeInstances ≤ ceil(N/1000) per
// Region, GetMetricData ≤ ceil(N/500) + Regions), wall time on loopback (≤ 10 s), peak heap
// (≤ 200 MiB), time to the first rows and to the view's first levels, and how wall time and heap
// grow from 1,000 to N instances (linear: per-instance cost at N ≤ 1.5 × at 1,000).
//   tsx bench/posture.ts [--instances N] [--regions N]
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { connectFleet, takePosture } from '../src/posture/fleet';
import { PostureModel } from '../src/posture/model';
import { CLASS_ORDER } from '../src/posture/types';
import { isolateAwsEnvironment } from '../test/support/ssm/fixtures';
import { FLEET_CREDENTIALS } from '../test/support/fleet/world';
import { writeBenchReport, type BenchRow } from './report';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
const INSTANCES = option('instances', 10_000);
const REGIONS = option('regions', 4);
const MiB = 1024 * 1024;

interface Endpoints {
  child: ChildProcess;
  ec2: string;
  cloudWatch: string;
  regions: string[];
}

/** Starts `fleet-endpoint` in a child process and reads its URLs from what it prints. */
function startEndpoints(instances: number): Promise<Endpoints> {
  const root = path.resolve(__dirname, '..');
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'test/support/fleet/cli.ts', '--instances', String(instances), '--regions', String(REGIONS), '--seed', '1', '--apply-delay-ms', '100'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`fleet-endpoint did not start in 60 s:\n${out}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`fleet-endpoint exited ${code}:\n${out}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const ec2 = /Local EC2 endpoint:\s+(\S+)/.exec(out)?.[1];
      const cloudWatch = /Local CloudWatch endpoint:\s+(\S+)/.exec(out)?.[1];
      const regions = /instances in ([a-z0-9, -]+), made/.exec(out)?.[1]?.split(', ');
      if (ec2 && cloudWatch && regions && out.includes('Ctrl+C')) {
        clearTimeout(timer);
        resolve({ child, ec2, cloudWatch, regions });
      }
    });
  });
}

interface Run {
  wallMs: number;
  firstRowsMs: number;
  viewMs: number;
  peakHeapMiB: number;
  calls: Record<string, number>;
  instances: number;
}

async function measure(endpoints: Endpoints): Promise<Run> {
  const fleet = await connectFleet({ region: endpoints.regions[0], ec2Endpoint: endpoints.ec2, cloudWatchEndpoint: endpoints.cloudWatch, credentials: FLEET_CREDENTIALS });
  try {
    await takePosture(fleet, { regions: [endpoints.regions[0]], days: 1 }); // warm-up: SDK loaded, connections open
    (globalThis as { gc?: () => void }).gc?.();
    const calls: Record<string, number> = { DescribeInstances: 0, GetMetricData: 0, GetInstanceMetadataDefaults: 0 };
    let peak = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const started = performance.now();
    let firstRowsMs = 0;
    const report = await takePosture(fleet, {
      regions: endpoints.regions,
      days: 14,
      onCall: (kind) => (calls[kind] = (calls[kind] ?? 0) + 1),
      onRows: () => (firstRowsMs ||= performance.now() - started),
    });
    const wallMs = performance.now() - started;
    // The view's first levels: the model (grouped, counted, sorted) and Region → class → first page.
    const viewStarted = performance.now();
    const model = new PostureModel(report);
    for (const region of model.regions()) for (const cls of CLASS_ORDER) model.instances(region.region, cls).slice(0, 250);
    model.setFilter('web-prod');
    model.setFilter('');
    const viewMs = performance.now() - viewStarted;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().heapUsed);
    return { wallMs, firstRowsMs, viewMs, peakHeapMiB: peak / MiB, calls, instances: model.totalMatching };
  } finally {
    fleet.close();
  }
}

async function withEndpoints<T>(instances: number, fn: (e: Endpoints) => Promise<T>): Promise<T> {
  const endpoints = await startEndpoints(instances);
  try {
    return await fn(endpoints);
  } finally {
    endpoints.child.removeAllListeners('exit');
    endpoints.child.kill('SIGTERM');
  }
}

async function main() {
  const aws = isolateAwsEnvironment();
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    const sizes = [...new Set([1000, Math.round(INSTANCES / 4), Math.round(INSTANCES / 2), INSTANCES])].filter((n) => n >= 1000 && n <= INSTANCES);
    const runs = new Map<number, Run>();
    for (const size of sizes) runs.set(size, await withEndpoints(size, measure));
    const big = runs.get(INSTANCES)!;
    const perRegion = Math.ceil(INSTANCES / REGIONS);
    const describeBudget = Math.ceil(perRegion / 1000) * REGIONS;
    const metricBudget = Math.ceil(INSTANCES / 500) + REGIONS;
    rows.push({ metric: `instances classified (${REGIONS} Regions)`, value: big.instances, unit: '', target: `= ${INSTANCES}`, ok: big.instances === INSTANCES });
    rows.push({ metric: 'DescribeInstances calls', value: big.calls.DescribeInstances, unit: '', target: `≤ ${describeBudget} (ceil(N/1000) per Region)`, ok: big.calls.DescribeInstances <= describeBudget });
    rows.push({ metric: 'GetMetricData calls', value: big.calls.GetMetricData, unit: '', target: `≤ ${metricBudget} (ceil(N/500) + Regions)`, ok: big.calls.GetMetricData <= metricBudget });
    rows.push({ metric: 'GetInstanceMetadataDefaults calls', value: big.calls.GetInstanceMetadataDefaults, unit: '', target: `= ${REGIONS}`, ok: big.calls.GetInstanceMetadataDefaults === REGIONS });
    rows.push({ metric: 'wall time on loopback', value: Math.round(big.wallMs), unit: 'ms', target: '≤ 10000 ms', ok: big.wallMs <= 10_000 });
    rows.push({ metric: 'peak heap (posture process)', value: Number(big.peakHeapMiB.toFixed(1)), unit: 'MiB', target: '≤ 200 MiB', ok: big.peakHeapMiB <= 200 });
    rows.push({ metric: 'time to first rows', value: Math.round(big.firstRowsMs), unit: 'ms' });
    rows.push({ metric: 'view model: group, count, sort, first pages, search', value: Math.round(big.viewMs), unit: 'ms', target: '≤ 500 ms', ok: big.viewMs <= 500 });
    const small = runs.get(1000)!;
    for (const [size, run] of runs) {
      rows.push({ metric: `growth: ${size.toLocaleString('en-US')} instances wall time`, value: Math.round(run.wallMs), unit: 'ms' });
      rows.push({ metric: `growth: ${size.toLocaleString('en-US')} instances peak heap`, value: Number(run.peakHeapMiB.toFixed(1)), unit: 'MiB' });
    }
    const perInstanceSmall = small.wallMs / 1000;
    const perInstanceBig = big.wallMs / INSTANCES;
    rows.push({ metric: `wall time per 1,000 instances at ${INSTANCES.toLocaleString('en-US')} vs 1,000`, value: Number((perInstanceBig / perInstanceSmall).toFixed(2)), unit: '×', target: '≤ 1.5 (linear or better)', ok: perInstanceBig <= 1.5 * perInstanceSmall });
    notes.push('Endpoints run in a child process (npm run fleet-endpoint); heap is sampled every 5 ms in the posture process only.');
    notes.push('"view model" is the data side of the tree (PostureModel); VS Code renders one level of ≤ 250 items at a time from it.');
    writeBenchReport('posture', rows, notes);
  } finally {
    aws.restore();
  }
  if (rows.some((r) => r.ok === false)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(2);
});
