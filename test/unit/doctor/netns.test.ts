// The doctor on the real link-local addresses: a network namespace whose loopback carries
// 169.254.169.254 and fd00:ec2::254, the emulator CLI on port 80 inside it, and `imds doctor`
// (no --endpoint: "this instance") run inside it too. Needs root and iproute2; skipped with the
// reason otherwise. The namespace is always deleted.
import { after, before, describe, it, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { DoctorReport } from '../../../src/doctor';
import { emptyHome } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');
const NS = `imdsdoc-${process.pid}`;

function ip(args: string[]): { ok: boolean; detail: string } {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.error) return { ok: false, detail: result.error.message };
  return { ok: result.status === 0, detail: (result.stderr || result.stdout).trim() };
}

/** Why namespaces cannot be used here, or undefined when the namespace is ready. */
function setUpNamespace(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces are Linux-only (this is ${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces need root (ip netns add)';
  const version = ip(['-V']);
  if (!version.ok) return `iproute2 (the ip command) is not available: ${version.detail}`;
  const add = ip(['netns', 'add', NS]);
  if (!add.ok) return `cannot create a network namespace: ${add.detail}`;
  for (const step of [
    ['link', 'set', 'lo', 'up'],
    ['addr', 'add', '169.254.169.254/32', 'dev', 'lo'],
    ['-6', 'addr', 'add', 'fd00:ec2::254/128', 'dev', 'lo', 'nodad'],
  ]) {
    const result = ip(['netns', 'exec', NS, 'ip', ...step]);
    if (!result.ok) return `cannot set up the namespace (ip ${step.join(' ')}): ${result.detail}`;
  }
  return undefined;
}

/** Starts the emulator CLI inside the namespace on [::]:80 (IPv4 and IPv6) and waits until it listens. */
async function startEmulatorInNamespace(extra: string[]): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', 'src/emulator/cli.ts', '--host', '::', '--port', '80', ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`the emulator did not start in ${NS}: ${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('IMDS emulator listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}) in ${NS}: ${stderr}`));
    });
  });
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** `imds doctor --json` inside the namespace, with a clean environment and an empty home. */
function doctorInNamespace(home: string, extra: string[] = [], env: Record<string, string> = {}): { code: number | null; report: DoctorReport; stderr: string } {
  const result = spawnSync('ip', ['netns', 'exec', NS, process.execPath, '--import', 'tsx', 'src/cli/imds.ts', 'doctor', '--json', ...extra], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...env },
    timeout: 60_000,
  });
  assert.ok(result.stdout, `the doctor printed a report (stderr: ${result.stderr})`);
  return { code: result.status, report: JSON.parse(result.stdout) as DoctorReport, stderr: result.stderr };
}

describe('doctor in a network namespace on the real link-local addresses', () => {
  let unavailable: string | undefined;
  let emulator: ChildProcess | undefined;
  const home = emptyHome();

  before(() => {
    unavailable = setUpNamespace();
    if (unavailable) console.log(`# skipping namespace tests: ${unavailable}`);
  });
  after(async () => {
    await stop(emulator);
    if (!unavailable || ip(['netns', 'list']).detail.includes(NS)) ip(['netns', 'del', NS]);
    home.remove();
  });

  const ready = (t: TestContext) => {
    if (unavailable) t.skip(unavailable);
    return !unavailable;
  };

  it('reaches IMDS at 169.254.169.254 and [fd00:ec2::254], with first-byte times, as "this instance"', async (t) => {
    if (!ready(t)) return;
    emulator = await startEmulatorInNamespace([]);
    const { code, report } = doctorInNamespace(home.dir);
    assert.equal(code, 0, 'no check fails (IMDSv1 allowed is a warning)');
    assert.equal(report.target.where, 'instance');
    assert.deepEqual(report.target.endpoints, { ipv4: 'http://169.254.169.254', ipv6: 'http://[fd00:ec2::254]' });
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    assert.equal(byId.get('reach-ipv4')!.status, 'pass');
    assert.match(byId.get('reach-ipv4')!.evidence[0], /^GET http:\/\/169\.254\.169\.254\/latest\/meta-data\/ \(no token\) → 200, first byte [\d.]+ ms/);
    assert.equal(byId.get('reach-ipv6')!.status, 'pass');
    assert.match(byId.get('reach-ipv6')!.evidence[0], /^GET http:\/\/\[fd00:ec2::254\]\/latest\/meta-data\/ \(no token\) → 200, first byte [\d.]+ ms/);
    assert.equal(byId.get('imdsv2-token')!.status, 'pass');
    assert.equal(byId.get('iam-credentials')!.status, 'pass');
    // This machine has no EC2 DMI data, yet IMDS answered at the link-local address: said as such.
    assert.match(report.ranOn, /IMDS answers at http:\/\/169\.254\.169\.254 and http:\/\/\[fd00:ec2::254\] \(instance i-0123456789abcdef0\)|on EC2 instance i-/);
    assert.ok(report.exchanges.every((e) => e.origin === 'http://169.254.169.254' || e.origin === 'http://[fd00:ec2::254]'));
  });

  it('the hop limit seen from a "container" address: the token PUT is lost, exit status 1, raise to 2', async (t) => {
    if (!ready(t)) return;
    await stop(emulator);
    // Inside the namespace the doctor's packets leave from 169.254.169.254 itself: mark it as a container.
    emulator = await startEmulatorInNamespace(['--container-source', '169.254.169.254']);
    const { code, report } = doctorInNamespace(home.dir, ['--token-timeout', '500']);
    assert.equal(code, 1);
    const hop = report.checks.find((c) => c.id === 'hop-limit')!;
    assert.equal(hop.status, 'fail');
    assert.ok(hop.commands?.some((c) => c.endsWith('--http-put-response-hop-limit 2')));
  });

  it('no IPv6 endpoint (address removed): IPv6 is information with the enable command; IPv6 mode in the env fails', async (t) => {
    if (!ready(t)) return;
    await stop(emulator);
    emulator = await startEmulatorInNamespace([]);
    const removed = ip(['netns', 'exec', NS, 'ip', '-6', 'addr', 'del', 'fd00:ec2::254/128', 'dev', 'lo']);
    assert.ok(removed.ok, removed.detail);
    try {
      const { code, report } = doctorInNamespace(home.dir);
      assert.equal(code, 0, 'an instance without the IPv6 endpoint is normal');
      const ipv6 = report.checks.find((c) => c.id === 'reach-ipv6')!;
      assert.equal(ipv6.status, 'info');
      assert.match(ipv6.evidence[0], /^GET http:\/\/\[fd00:ec2::254\]\/latest\/meta-data\/ \(no token\) → network unreachable/);
      assert.ok(ipv6.commands?.some((c) => c.endsWith('--http-protocol-ipv6 enabled')));
      const mode = doctorInNamespace(home.dir, [], { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: 'IPv6' });
      assert.equal(mode.code, 1);
      const env = mode.report.checks.find((c) => c.id === 'env-imds')!;
      assert.equal(env.status, 'fail');
      assert.match(env.summary, /AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6, but the IPv6 endpoint does not answer/);
      assert.equal(mode.report.checks.find((c) => c.id === 'iam-role')!.status, 'pass', 'the doctor itself falls back to IPv4 to read on');
    } finally {
      ip(['netns', 'exec', NS, 'ip', '-6', 'addr', 'add', 'fd00:ec2::254/128', 'dev', 'lo', 'nodad']);
    }
  });

  it('IMDS turned off on the link-local address: exit status 1 and the command to turn it on', async (t) => {
    if (!ready(t)) return;
    await stop(emulator);
    emulator = await startEmulatorInNamespace(['--disabled']);
    const { code, report } = doctorInNamespace(home.dir);
    assert.equal(code, 1);
    const enabled = report.checks.find((c) => c.id === 'imds-enabled')!;
    assert.equal(enabled.status, 'fail');
    assert.ok(enabled.commands?.some((c) => c.endsWith('--http-endpoint enabled')));
  });
});
