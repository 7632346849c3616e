// `npm run bench:ssm`: snapshots of the emulator's default tree through the SSM source, with the
// real @aws-sdk/client-ssm against the local SSM endpoint, whose "instance" runs the script here.
// Per snapshot: SendCommand calls (target: 1), and the time from SendCommand to the decoded
// snapshot minus the command's execution time on the endpoint (SendCommand received -> script
// exited): what polling, transfer and decoding add (target: ≤ 300 ms). Then a tree too large for
// one output (several parts), for how the parts cost. Then the same through Session Manager
// sessions (StartSession -> WebSocket data channel): time beyond execution (target ≤ 150 ms) and
// the channel's throughput for 1 MiB of output, acks included (target ≥ 5 MiB/s on loopback).
//   tsx bench/ssm.ts [--runs N]
import { randomBytes } from 'node:crypto';
import { connectSsm } from '../src/sources/ssm/awsClient';
import { runSessionCommand } from '../src/sources/ssm/session/sessionRunner';
import { startSsmWorld, isolateAwsEnvironment, INSTANCE, REGION } from '../test/support/ssm/fixtures';
import { writeBenchReport, type BenchRow } from './report';

const argv = process.argv.slice(2);
const runs = Number(argv.includes('--runs') ? argv[argv.indexOf('--runs') + 1] : 10);
const TARGET_OVERHEAD_MS = 300;
const TARGET_SESSION_OVERHEAD_MS = 150;
const TARGET_THROUGHPUT_MIB_S = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main() {
  const aws = isolateAwsEnvironment();
  const world = await startSsmWorld();
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  try {
    const source = world.source();
    await source.snapshot(); // warm-up: loads the SDK, first connection
    const overheads: number[] = [];
    const totals: number[] = [];
    const executions: number[] = [];
    let maxCommands = 0;
    for (let i = 0; i < runs; i++) {
      source.refresh();
      const before = world.endpoint.invocations().length;
      await source.snapshot();
      const run = source.lastRun()!;
      const invocation = world.endpoint.invocations()[before];
      const execution = invocation.endedAt! - invocation.sentAt;
      executions.push(execution);
      totals.push(run.elapsedMs);
      overheads.push(run.elapsedMs - execution);
      maxCommands = Math.max(maxCommands, run.commands);
    }
    rows.push({ metric: 'SendCommand per snapshot (default tree)', value: maxCommands, unit: '', target: '= 1', ok: maxCommands === 1 });
    rows.push({ metric: 'command execution on the endpoint, median', value: median(executions), unit: 'ms' });
    rows.push({ metric: 'SendCommand -> snapshot, median', value: median(totals), unit: 'ms' });
    rows.push({ metric: 'time beyond execution, median', value: median(overheads), unit: 'ms', target: `≤ ${TARGET_OVERHEAD_MS} ms`, ok: median(overheads) <= TARGET_OVERHEAD_MS });
    rows.push({ metric: 'time beyond execution, worst', value: Math.max(...overheads), unit: 'ms', target: `≤ ${TARGET_OVERHEAD_MS} ms`, ok: Math.max(...overheads) <= TARGET_OVERHEAD_MS });
    notes.push(`${runs} snapshots of the default tree (${(await source.snapshot()).entries.length} paths), walker ${source.lastRun()?.tool}, GetCommandInvocation polled from 150 ms`);

    // A tree that needs several outputs: 16 KB random user data and 150 random tags.
    world.emulator.setUserData(randomBytes(16384));
    for (let i = 0; i < 150; i++) world.emulator.setValue(`/latest/meta-data/tags/instance/Tag${i}`, randomBytes(48).toString('hex'));
    const large = world.source({ instanceId: INSTANCE });
    const t0 = performance.now();
    await large.snapshot();
    const largeMs = performance.now() - t0;
    rows.push({ metric: 'large tree: commands (snapshot + parts)', value: large.lastRun()!.commands, unit: '' });
    rows.push({ metric: 'large tree: SendCommand -> snapshot', value: Math.round(largeMs), unit: 'ms' });
    await world.endpoint.idle();

    // Sessions, on the large tree (one session whatever its size): what StartSession, the handshake and streaming add.
    const viaSession = world.source({ transport: 'session' });
    await viaSession.snapshot(); // warm-up (the large tree's cleanup command may still arrive meanwhile)
    const sentBeforeSessions = world.endpoint.countOf('SendCommand');
    const sessionOverheads: number[] = [];
    const sessionTotals: number[] = [];
    for (let i = 0; i < runs; i++) {
      viaSession.refresh();
      await viaSession.snapshot();
      const run = viaSession.lastRun()!;
      const stats = world.endpoint.sessions().at(-1)!.stats;
      sessionTotals.push(run.elapsedMs);
      sessionOverheads.push(run.elapsedMs - (stats.commandEndedAt! - stats.commandStartedAt!));
    }
    rows.push({ metric: 'session: StartSession per snapshot (large tree)', value: viaSession.lastRun()!.commands, unit: '', target: '= 1', ok: viaSession.lastRun()!.commands === 1 });
    rows.push({ metric: 'session: SendCommand during the session runs', value: world.endpoint.countOf('SendCommand') - sentBeforeSessions, unit: '', target: '= 0', ok: world.endpoint.countOf('SendCommand') === sentBeforeSessions });
    rows.push({ metric: 'session: StartSession -> snapshot (large tree), median', value: median(sessionTotals), unit: 'ms' });
    rows.push({ metric: 'session: time beyond execution, median', value: median(sessionOverheads), unit: 'ms', target: `≤ ${TARGET_SESSION_OVERHEAD_MS} ms`, ok: median(sessionOverheads) <= TARGET_SESSION_OVERHEAD_MS });

    const connection = await connectSsm({ region: REGION, endpoint: world.endpoint.url, credentials: world.endpoint.credentials });
    const throughputs: number[] = [];
    const cpuMs: number[] = [];
    for (let i = 0; i < Math.max(3, Math.min(runs, 5)); i++) {
      const cpu = process.cpuUsage();
      const run = await runSessionCommand(connection, { instanceId: INSTANCE, command: `sh -c 'head -c 1048576 /dev/zero | tr "\\0" a'`, timeoutMs: 60_000 });
      const used = process.cpuUsage(cpu);
      cpuMs.push((used.user + used.system) / 1000);
      const done = run.stats.closedAt!;
      if (run.output.length !== 1048576) throw new Error(`1 MiB run returned ${run.output.length} bytes`);
      const stats = world.endpoint.sessions().at(-1)!.stats;
      throughputs.push(1 / ((done - stats.streamStartedAt!) / 1000));
    }
    connection.client.destroy();
    const throughput = Math.round(median(throughputs) * 10) / 10;
    rows.push({ metric: 'session: 1 MiB output through the channel (≤ 1,024-byte payloads, acked), median', value: throughput, unit: 'MiB/s', target: `≥ ${TARGET_THROUGHPUT_MIB_S} MiB/s`, ok: throughput >= TARGET_THROUGHPUT_MIB_S });
    // Both ends (client, WebSocket server, agent) share this process: its CPU time per MiB says what
    // the code costs apart from the machine's load.
    rows.push({ metric: 'session: CPU time of both ends for that 1 MiB (one process), median', value: Math.round(median(cpuMs)), unit: 'ms' });
    notes.push(`sessions: ${runs} snapshots of the large tree; throughput from the agent's first output chunk to the client's channel result (before TerminateSession), ${throughputs.length} runs`);
  } finally {
    await world.close();
    aws.restore();
  }
  writeBenchReport('ssm', rows, notes);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
