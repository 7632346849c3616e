// The imds command line against the real emulator: in-process through main(), and once as a
// child process to see the exit status and the single error line a shell sees.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';
import { createSourceFromArgs, main, parseArgs } from '../../../src/cli/imds';
import type { Snapshot } from '../../../src/imds/types';
import { closedPort } from './brokenPeers';

const root = path.resolve(__dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'imds-cli-'));
const ROLE = 'meta-data/iam/security-credentials/ImdsExplorerDemoRole';
let emu: Emulator;

before(async () => {
  emu = await startEmulator({ imdsv2: 'required' });
});
after(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

async function imds(...argv: string[]): Promise<{ code: number; out: string; err: string[] }> {
  const out: Buffer[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (d) => out.push(Buffer.from(d)), stderr: (l) => err.push(l), env: {} });
  return { code, out: Buffer.concat(out).toString('utf8'), err };
}

describe('imds ls / get', () => {
  it('lists a directory, directories with a slash', async () => {
    const { code, out } = await imds('--endpoint', emu.url, 'ls', 'meta-data/');
    assert.equal(code, 0);
    const lines = out.trimEnd().split('\n');
    assert.ok(lines.includes('ami-id') && lines.includes('iam/') && lines.includes('public-keys/'));
    assert.equal((await imds('--endpoint', emu.url, 'ls', '/latest/meta-data/public-keys')).out, '0=my-key/\n');
  });

  it('prints a value; credentials masked unless --show-secrets', async () => {
    assert.equal((await imds('--endpoint', emu.url, 'get', 'meta-data/instance-id')).out, 'i-0123456789abcdef0');
    const secret = JSON.parse(emu.getValue(ROLE)!.toString()).SecretAccessKey as string;
    const masked = await imds('--endpoint', emu.url, 'get', ROLE);
    assert.equal(masked.code, 0);
    assert.ok(!masked.out.includes(secret) && JSON.parse(masked.out).SecretAccessKey === '****************');
    assert.match(masked.err.join(), /--show-secrets/);
    const shown = await imds('--endpoint', emu.url, '--show-secrets', 'get', ROLE);
    assert.equal(JSON.parse(shown.out).SecretAccessKey, secret);
  });

  it('get PATH/ prints the value of a leaf, masked like the leaf', async () => {
    assert.equal((await imds('--endpoint', emu.url, 'get', 'meta-data/instance-id/')).out, 'i-0123456789abcdef0');
    const secret = JSON.parse(emu.getValue(ROLE)!.toString()).SecretAccessKey as string;
    const masked = await imds('--endpoint', emu.url, 'get', ROLE + '/');
    assert.equal(masked.code, 0);
    assert.ok(!masked.out.includes(secret) && JSON.parse(masked.out).SecretAccessKey === '****************');
  });

  it('writes binary user-data byte for byte', async () => {
    const gz = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0xfe, 0x00]);
    const original = emu.getValue('/latest/user-data');
    emu.setUserData(gz);
    try {
      const chunks: Buffer[] = [];
      const code = await main(['--endpoint', emu.url, 'get', 'user-data'], { stdout: (d) => chunks.push(Buffer.from(d)), stderr: () => undefined, env: {} });
      assert.equal(code, 0);
      assert.deepEqual(Buffer.concat(chunks), gz);
    } finally {
      emu.setUserData(original);
    }
  });

  it('honours --v1 (no token) and --v2-only', async () => {
    const v1 = await startEmulator();
    try {
      assert.equal((await imds('--endpoint', v1.url, '--v1', 'get', 'meta-data/ami-id')).code, 0);
      assert.equal(v1.stats.tokenPuts, 0);
      assert.equal((await imds('--endpoint', v1.url, '--v2-only', 'get', 'meta-data/ami-id')).code, 0);
      assert.equal(v1.stats.tokenPuts, 1);
    } finally {
      await v1.close();
    }
    const r = await imds('--endpoint', emu.url, '--v1', 'get', 'meta-data/ami-id');
    assert.equal(r.code, 2);
    assert.match(r.err[0], /^imds: IMDSv2 is required here \(401\).*v1-only/);
  });

  it('takes the endpoint from AWS_EC2_METADATA_SERVICE_ENDPOINT', async () => {
    const out: string[] = [];
    const code = await main(['get', 'meta-data/instance-type'], { stdout: (d) => out.push(String(d)), stderr: () => undefined, env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: emu.url } });
    assert.equal(code, 0);
    assert.equal(out.join(''), 't3.micro');
  });
});

describe('imds snapshot / diff', () => {
  it('prints the same tree as the client, path for path, as JSON', async () => {
    const { code, out } = await imds('--endpoint', emu.url, 'snapshot', '--json');
    assert.equal(code, 0);
    const snap = JSON.parse(out) as Snapshot;
    const client = new ImdsClient({ endpoint: emu.url, env: {} });
    const direct = await client.snapshot();
    await client.close();
    assert.deepEqual(snap.entries.map((e) => e.path), direct.entries.map((e) => e.path));
    assert.equal(snap.format, 'imds-snapshot');
    assert.ok(!out.includes(JSON.parse(emu.getValue(ROLE)!.toString()).SecretAccessKey));
  });

  it('prints one readable line per value without --json, and saves with --out', async () => {
    const file = path.join(dir, 'snap.json');
    const { code, out } = await imds('--endpoint', emu.url, 'snapshot', '--root', 'meta-data/placement', '--out', file);
    assert.equal(code, 0);
    assert.match(out, /^\/latest\/meta-data\/placement\/availability-zone +us-east-1a$/m);
    assert.equal(out.trimEnd().split('\n').length, 3);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as Snapshot).root, '/latest/meta-data/placement/');
  });

  it('diffs two snapshots: exit 0 when equal, 1 with the changes listed', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    writeFileSync(a, (await imds('--endpoint', emu.url, 'snapshot', '--json')).out);
    assert.deepEqual(await imds('--endpoint', emu.url, 'diff', a, a), { code: 0, out: 'no differences\n', err: [] });
    emu.setValue('meta-data/tags/instance/Owner', 'team-a');
    emu.setValue('meta-data/instance-type', 'm5.large');
    try {
      writeFileSync(b, (await imds('--endpoint', emu.url, 'snapshot', '--json')).out);
      const diff = await imds('diff', a, b);
      assert.equal(diff.code, 1);
      assert.match(diff.out, /^\+ \/latest\/meta-data\/tags\/instance\/Owner$/m);
      assert.match(diff.out, /^~ \/latest\/meta-data\/instance-type: t3\.micro → m5\.large$/m);
      // "-" takes a live snapshot.
      const live = await imds('--endpoint', emu.url, 'diff', b, '-');
      assert.equal(live.code, 0, live.out);
    } finally {
      emu.setValue('meta-data/tags/instance/Owner', undefined);
      emu.setValue('meta-data/instance-type', 't3.micro');
    }
  });

  it('refuses a file that is not a snapshot with one line', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const r = await imds('diff', bad, bad);
    assert.equal(r.code, 2);
    assert.deepEqual(r.err, [`imds: Not an IMDS snapshot (${bad}): "format" must be "imds-snapshot" (got undefined)`]);
    assert.match((await imds('diff', path.join(dir, 'nope.json'), bad)).err[0], /No snapshot file/);
  });
});

describe('imds errors and options', () => {
  it('prints one line with a remedy and exits 2 when nothing answers', async () => {
    const port = await closedPort();
    const r = await imds('--endpoint', `http://127.0.0.1:${port}`, 'ls');
    assert.equal(r.code, 2);
    assert.equal(r.err.length, 1);
    assert.match(r.err[0], /^imds: Cannot reach IMDS at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\).*\. Nothing answers at/);
    assert.equal(r.out, '');
  });

  it('rejects usage errors with one line', async () => {
    assert.match((await imds('--v1', '--v2-only', 'ls')).err[0], /contradict/);
    assert.match((await imds('frobnicate')).err[0], /Unknown command "frobnicate"/);
    assert.match((await imds()).err[0], /Give a command/);
    assert.match((await imds('get')).err[0], /get needs a PATH/);
    assert.match((await imds('--endpoint', 'ftp://x', 'ls')).err[0], /uses ftp:/);
    assert.match((await imds('--endpoint', emu.url, 'get', '/latest/../x')).err[0], /"\.\." segment/);
    const help = await imds('--help');
    assert.equal(help.code, 0);
    assert.match(help.out, /^Usage: imds/);
  });

  it('keeps unknown options in a map for source factories; a source that does not use them says so', async () => {
    const args = parseArgs(['--ssm', 'i-0123', '--region=eu-west-1', '--fast', 'ls', '/latest/meta-data/']);
    assert.equal(args.command, 'ls');
    assert.deepEqual(args.positionals, ['/latest/meta-data/']);
    assert.deepEqual([...args.extra], [['ssm', 'i-0123'], ['region', 'eu-west-1'], ['fast', true]]);
    // --ssm and --region are taken by the SSM source (src/sources/ssm/cliOptions.ts); what is left is refused.
    assert.throws(() => createSourceFromArgs(parseArgs(['--ssm', 'i-0123456789abcdef0', '--fast', 'ls']), { env: {}, log: () => undefined }), /Unknown option --fast/);
    assert.throws(() => createSourceFromArgs(parseArgs(['--fast', 'ls']), { env: {}, log: () => undefined }), /Unknown option --fast/);
    assert.match((await imds('--ssm', 'i-0123', 'ls')).err[0], /^imds: "i-0123" is not an EC2 or managed instance id/);
  });

  it('logs requests with --verbose, never the token', async () => {
    const r = await imds('--endpoint', emu.url, '--verbose', 'get', 'meta-data/ami-id');
    assert.deepEqual(r.err.map((l) => l.replace(/[\d.]+ ms/, 'N ms')), ['PUT /latest/api/token 200 N ms', 'GET /latest/meta-data/ami-id 200 N ms']);
  });

  it('runs as a program (what npm run imds runs): exit status and stderr as a shell sees them', async () => {
    // Asynchronous: the emulator answering it lives in this process.
    const run = (...argv: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', 'src/cli/imds.ts', ...argv], { cwd: root, encoding: 'utf8' }, (error, stdout, stderr) => {
          resolve({ status: error ? Number((error as { code?: number }).code) : 0, stdout, stderr });
        });
      });
    const ok = await run('--endpoint', emu.url, 'get', 'meta-data/placement/region');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, 'us-east-1');
    const bad = await run('--endpoint', emu.url, 'get', 'meta-data/no-such');
    assert.equal(bad.status, 2);
    assert.equal(bad.stdout, '');
    assert.equal(bad.stderr.trimEnd().split('\n').length, 1);
    assert.match(bad.stderr, /^imds: Not found \(404\): \/latest\/meta-data\/no-such\. /);
  });
});
