// One test per way a hostile user crashed, hung or fooled the emulator (issue #14): huge durations
// (Invalid time value inside a request; timers past 2^31-1 ms firing after 1 ms), special files
// read whole, a handler exception taking the process down, CONNECT without a status line, and
// path statistics that kept every distinct URL. Each is refused at startup with the flag named and
// exit code 2, or answered, bounded and survived.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { rawExchange, request } from '../emulator/http';
import { runCli } from './emulatorCli';
import { runCredentialChainCheck } from '../../../src/doctor/checks/credentialChain';
import { listAwsProfiles } from '../../../src/sources/ssm/profiles';

const dir = mkdtempSync(path.join(tmpdir(), 'imds-crashes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('emulator flags: every duration and count bounded at startup (exit 2, flag and range named)', () => {
  const cases: [string[], RegExp][] = [
    [['--credentials-ttl', '1e13'], /--credentials-ttl must be a number of seconds 1\.\.2147483/],
    [['--credentials-ttl', '10000000000000'], /--credentials-ttl must be a number of seconds 1\.\.2147483/],
    [['--scenario', 'spot-interruption', '--scenario-option', 'noticeSeconds=100000000000000000000'], /noticeSeconds" must be a number of seconds 0\.\.2147483/],
    [['--scenario', 'iam-role-attach', '--scenario-option', 'infoAfterSeconds=100000000000000000000'], /infoAfterSeconds" must be a number of seconds 0\.\.2147483/],
    [['--scenario', 'spot-interruption', '--delay', '2200000'], /--delay must be a number of seconds 0\.\.2147483/],
    [['--latency', '3000000000'], /--latency must be milliseconds 0\.\.2147483647/],
    [['--throttle-rps', '1e12'], /--throttle-rps must be a whole number 0\.\.1000000/],
    [['--port', '0x50'], /--port must be a port number/],
    [['--port', '8e1'], /--port must be a port number/],
    [['--scenario', 'scheduled-events', '--scenario-option', 'code=toString'], /"code" must be one of instance-reboot/],
    [['--scenario', 'spot-interruption', '--scenario-option', '__proto__=1'], /Unknown scenario option "__proto__"/],
    [['--hop-header', 'X-aws-ec2-metadata-token-ttl-seconds'], /--hop-header names a header the protocol itself uses/],
    [['--hop-header', 'X-Forwarded-For'], /--hop-header names a header the protocol itself uses/],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const { code, stderr } = await runCli([...argv, '--port', argv.includes('--port') ? argv[argv.indexOf('--port') + 1] : '0']);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
    });
  }
});

describe('emulator file inputs: special files refused before reading, size capped', () => {
  it('--user-data /dev/zero is refused at once, without reading it', async () => {
    const before = process.memoryUsage().rss;
    const { code, stderr } = await runCli(['--user-data', '/dev/zero', '--port', '0']);
    assert.equal(code, 2);
    assert.match(stderr, /--user-data \/dev\/zero: it is a device; give a regular file/);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'nothing was read into memory');
  });

  it('--user-data and --config on a FIFO are refused, not waited on', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    for (const flag of ['--user-data', '--config']) {
      const { code, stderr } = await runCli([flag, fifo, '--port', '0']);
      assert.equal(code, 2, `${flag}: ${stderr}`);
      assert.match(stderr, /it is a pipe \(FIFO\); give a regular file/);
    }
  });

  it('--config /dev/zero and a directory are refused; an oversized file is refused by its size', async () => {
    let result = await runCli(['--config', '/dev/zero', '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /config file \/dev\/zero: it is a device/);
    result = await runCli(['--config', dir, '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /it is a directory/);
    const big = path.join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    result = await runCli(['--config', big, '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /is 4194305 bytes; the limit is 4194304 bytes/);
    const bigUserData = path.join(dir, 'user-data.bin');
    writeFileSync(bigUserData, Buffer.alloc(1024 * 1024 + 1));
    result = await runCli(['--user-data', bigUserData, '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--user-data .* the limit is 1048576 bytes/);
  });
});

describe('AWS shared files that are special files: the doctor and the SSM profile list do not hang', () => {
  it('a FIFO at ~/.aws/credentials and /dev/zero as ~/.aws/config are skipped at once', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    execFileSync('mkdir', ['-p', path.join(home, '.aws')]);
    execFileSync('mkfifo', [path.join(home, '.aws', 'credentials')]);
    const check = await runCredentialChainCheck({ env: { AWS_CONFIG_FILE: '/dev/zero' }, homeDir: home, rolePresent: true });
    assert.ok(check.summary.length > 0);
    const profiles = await listAwsProfiles({ HOME: home, AWS_CONFIG_FILE: '/dev/zero' });
    assert.deepEqual(profiles, []);
  });
});

describe('emulator runtime: exceptions, CONNECT, statistics, TTL header', () => {
  let emulator: Emulator;
  const internal: string[] = [];
  before(async () => {
    emulator = await startEmulator({ port: 0, onInternalError: (line) => internal.push(line) });
  });
  after(() => emulator.close());

  it('the runtime API refuses a credential lifetime a Date cannot hold (it used to throw inside requests)', async () => {
    await assert.rejects(startEmulator({ port: 0, credentials: { ttlSeconds: 1e13 } }), /Credential timing "ttlSeconds" must be a number of seconds 1\.\.2147483/);
    assert.throws(() => emulator.setFaults({ latencyMs: 3_000_000_000 }), /Fault "latencyMs" must be a number of milliseconds 0\.\.2147483647/);
    assert.throws(() => emulator.setScenario('spot-interruption', { noticeSeconds: 1e20 }), /noticeSeconds" must be a number of seconds/);
  });

  it('an exception inside a handler answers a bare 500, is logged, and the server goes on', async () => {
    // Reproduce the original crash by bypassing the startup checks: the role's credential timings
    // set past what a Date holds make the credential handler throw `RangeError: Invalid time value`.
    const rotator = (emulator as unknown as { roleCredentials: { setTimings(t: object): void } }).roleCredentials;
    rotator.setTimings({ ttlSeconds: 1e13, rotateBeforeSeconds: 0 });
    try {
      const answer = await request(emulator.url, `/latest/meta-data/iam/security-credentials/${emulator.facts.roleName}`);
      assert.equal(answer.status, 500);
      assert.doesNotMatch(answer.text, /RangeError|Invalid time|at .*\.ts/, 'no internals in the body');
      assert.equal(internal.length, 1);
      assert.match(internal[0], /internal error answering GET \/latest\/meta-data\/iam\/security-credentials\/.*Invalid time value/);
    } finally {
      rotator.setTimings({ ttlSeconds: 3600, rotateBeforeSeconds: 300 });
    }
    const next = await request(emulator.url, '/latest/meta-data/instance-id');
    assert.equal(next.status, 200, 'still serving');
  });

  it('CONNECT gets a 405 status line like every other unsupported method', async () => {
    const raw = await rawExchange(emulator.url, 'CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    const ok = await request(emulator.url, '/latest/meta-data/instance-id');
    assert.equal(ok.status, 200);
  });

  it('path statistics keep at most 1 MiB of path text, however many long distinct URLs arrive', async () => {
    emulator.stats.reset();
    const long = 'x'.repeat(1000);
    for (let batch = 0; batch < 15; batch++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => request(emulator.url, `/latest/meta-data/${long}${batch}-${i}`)));
    }
    await Promise.all(Array.from({ length: 20 }, (_, i) => request(emulator.url, `/latest/meta-data/${'y'.repeat(15_000)}${i}`)));
    let chars = 0;
    for (const key of emulator.stats.byPath.keys()) chars += key.length;
    assert.ok(chars <= 1024 * 1024, `kept ${chars} characters of paths`);
    assert.ok(emulator.stats.byPath.size > 100, 'short paths are still counted');
    assert.equal(emulator.stats.requests, 1520, 'every request is still counted');
  });

  it('the token TTL header has one rule: leading zeros are refused whatever the length', async () => {
    for (const ttl of ['021600', '0000060', '060']) {
      const answer = await request(emulator.url, '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': ttl } });
      assert.equal(answer.status, 400, ttl);
    }
    const good = await request(emulator.url, '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } });
    assert.equal(good.status, 200);
  });
});
