// The client with its default endpoints, over the real link-local addresses: inside a network
// namespace this test creates, 169.254.169.254 and fd00:ec2::254 sit on the namespace's own lo,
// the emulator listens there on port 80, and the client runs there too. A second namespace
// plays a laptop off EC2, where packets to IMDS vanish. Nothing leaves the namespaces.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip'].find((p) => {
  try {
    execFileSync(p, ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const imdsNs = `imds-test-${process.pid}`;
const laptopNs = `imds-laptop-${process.pid}`;
const created: string[] = [];
let emulator: ChildProcess | undefined;
let unavailable: string | undefined;

function ip(...args: string[]): void {
  execFileSync(IP!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeNamespace(name: string): void {
  ip('netns', 'add', name);
  created.push(name);
  ip('-n', name, 'link', 'set', 'lo', 'up');
  ip('-n', name, 'addr', 'add', '169.254.169.254/32', 'dev', 'lo');
  ip('-n', name, '-6', 'addr', 'add', 'fd00:ec2::254/128', 'dev', 'lo', 'nodad');
}

/** Runs the client script inside a namespace (asynchronously: the test process stays responsive). */
function clientIn(ns: string, ...args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(IP!, ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'test/unit/imds/netnsClient.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`client in ${ns} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

before(async () => {
  if (!IP) {
    unavailable = 'the ip command (Debian package iproute2) is not installed';
    return;
  }
  try {
    makeNamespace(imdsNs);
  } catch (error) {
    unavailable = `network namespaces cannot be made here (needs root or CAP_SYS_ADMIN): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
    return;
  }
  // The emulator, inside the namespace, on port 80 of every address there (IPv4 and IPv6).
  emulator = spawn(IP, ['netns', 'exec', imdsNs, process.execPath, '--import', 'tsx', 'src/emulator/cli.ts', '--host', '::', '--port', '80', '--imdsv2', 'required'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let err = '';
    emulator!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) resolve();
    });
    emulator!.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    emulator!.once('exit', (code) => reject(new Error(`emulator in ${imdsNs} exited (${code}): ${err}`)));
  });
});

after(async () => {
  if (emulator && emulator.exitCode === null) {
    const exited = new Promise((resolve) => emulator!.once('exit', resolve));
    emulator.kill('SIGTERM');
    await exited;
  }
  for (const ns of created) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // already gone
    }
  }
});

describe('reading IMDS at the real link-local addresses (network namespace)', () => {
  it('reads the whole tree at http://169.254.169.254 with the default endpoint and one token', async (t) => {
    if (unavailable) return t.skip(unavailable);
    const result = await clientIn(imdsNs);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.endpoint, 'http://169.254.169.254');
    assert.equal(result.imdsMode, 'v2');
    assert.equal(result.instanceId, 'i-0123456789abcdef0');
    assert.equal(result.errors, 0);
    assert.ok((result.paths as number) > 60);
    assert.equal((result.stats as { tokenRequests: number }).tokenRequests, 1);
  });

  it('reads the whole tree at http://[fd00:ec2::254] in IPv6 mode', async (t) => {
    if (unavailable) return t.skip(unavailable);
    const result = await clientIn(imdsNs, '--ipv6');
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.endpoint, 'http://[fd00:ec2::254]');
    assert.equal(result.instanceId, 'i-0123456789abcdef0');
    assert.equal((result.stats as { tokenRequests: number }).tokenRequests, 1);
  });

  it('off EC2 (packets to IMDS vanish), learns it at the connect timeout, without retrying', async (t) => {
    if (unavailable) return t.skip(unavailable);
    try {
      makeNamespace(laptopNs);
      execFileSync(IP!, ['netns', 'exec', laptopNs, 'iptables', '-A', 'OUTPUT', '-p', 'tcp', '-d', '169.254.169.254', '-j', 'DROP'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      return t.skip(`cannot drop packets in a namespace here (iptables, Debian package iptables): ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`);
    }
    const result = await clientIn(laptopNs);
    assert.equal(result.ok, false);
    assert.equal(result.code, 'Unreachable');
    assert.match(String(result.message), /no connection within 1000 ms/);
    assert.deepEqual(result.requests, ['PUT /latest/api/token Unreachable']);
    t.diagnostic(`gave up after ${result.ms} ms`);
  });
});
