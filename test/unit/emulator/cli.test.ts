// The emulator CLI as a user runs it: a real child process (node + tsx), its one ready line, its
// flags, its refusals and its clean exit on SIGINT/SIGTERM.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultInstance } from '../../../src/emulator/server';
import { getToken, request } from './http';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'src/emulator/cli.ts');
const READY = /^IMDS emulator listening on (http:\/\/(127\.0\.0\.1|\[::1\]):(\d+))$/;

interface Running {
  child: ChildProcess;
  url: string;
  stdoutLines: string[];
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

function launch(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exit };
}

/** Starts the CLI and waits for its ready line (or its exit). */
async function start(args: string[]): Promise<Running> {
  const run = launch(args);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 30 s; stderr:\n${run.stderr()}`)), 30_000);
    const check = () => {
      const line = run.stdout().split('\n').find((l) => READY.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(READY.exec(line)![1]);
      }
    };
    run.child.stdout!.on('data', check);
    run.exit.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before ready; stderr:\n${run.stderr()}`));
    });
  });
  return { child: run.child, url, stdoutLines: run.stdout().split('\n').filter(Boolean), stderr: run.stderr, exit: run.exit };
}

/** Runs the CLI to completion (for refusals and --help). */
async function runToEnd(args: string[]) {
  const run = launch(args);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
  const { code } = await run.exit;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('emulator CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'imds-emulator-cli-'));
  });
  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints exactly one ready line on stdout, binds 127.0.0.1, serves, and exits 0 on SIGTERM', async () => {
    const run = await start(['--port', '0']);
    assert.deepEqual(run.stdoutLines.length, 1, run.stdoutLines.join('\n'));
    assert.match(run.stdoutLines[0], /^IMDS emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await request(run.url, '/latest/meta-data/instance-id')).text, defaultInstance.instanceId);
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exit, { code: 0, signal: null });
    assert.match(run.stderr(), /SIGTERM: stopping/);
  });

  it('exits 0 on SIGINT too, with open keep-alive connections', async () => {
    const run = await start(['--port', '0']);
    const held = fetch(run.url + '/latest/meta-data/').then((r) => r.text());
    assert.ok((await held).includes('instance-id'));
    run.child.kill('SIGINT');
    assert.deepEqual(await run.exit, { code: 0, signal: null });
  });

  it('--imdsv2 requires tokens; --user-data serves a file; --scenario with options; faults', async () => {
    const userData = path.join(dir, 'user-data.sh');
    writeFileSync(userData, '#!/bin/bash\necho from-cli\n');
    const run = await start([
      '--port', '0', '--imdsv2', '--user-data', userData,
      '--scenario', 'spot-interruption', '--scenario-option', 'action=stop', '--delay', '0',
      '--hop-limit', '2', '--throttle-rps', '10000',
    ]);
    try {
      assert.equal((await request(run.url, '/latest/meta-data/instance-id')).status, 401);
      const token = await getToken(run.url);
      const get = (p: string) => request(run.url, p, { headers: { 'X-aws-ec2-metadata-token': token } });
      assert.equal((await get('/latest/user-data')).text, '#!/bin/bash\necho from-cli\n');
      assert.equal(JSON.parse((await get('/latest/meta-data/spot/instance-action')).text).action, 'stop');
      // Hop limit 2: a token PUT from "a container" two hops away is answered.
      const put = await request(run.url, '/latest/api/token', { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60', 'X-Imds-Emulator-Hops': '2' }, timeoutMs: 5000 });
      assert.equal(put.status, 200);
      assert.match(run.stderr(), /IMDSv2 required; scenario: spot-interruption/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });

  it('--imdsv2 optional and --error-rate 1 are honoured', async () => {
    const run = await start(['--port', '0', '--imdsv2', 'optional', '--error-rate', '1']);
    try {
      assert.equal((await request(run.url, '/latest/meta-data/instance-id')).status, 503);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });

  it('loads an AEMM config file and prints its warnings on stderr', async () => {
    const config = path.join(dir, 'aemm.json');
    writeFileSync(config, JSON.stringify({ metadata: { values: { 'instance-id': 'i-0abcabcabcabcabc0' } }, 'watch-config-file': true }));
    const run = await start(['--port', '0', '--config', config]);
    try {
      assert.equal((await request(run.url, '/latest/meta-data/instance-id')).text, 'i-0abcabcabcabcabc0');
      assert.match(run.stderr(), /warning: "watch-config-file" is accepted but has no effect/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });

  it('refuses a config that asks for 0.0.0.0 without an explicit --host, and says why', async () => {
    const config = path.join(dir, 'any-host.json');
    writeFileSync(config, JSON.stringify({ server: { hostname: '0.0.0.0', port: '0' } }));
    const result = await runToEnd(['--port', '0', '--config', config]);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /asks to listen on 0\.0\.0\.0, beyond loopback.*--host 0\.0\.0\.0/);
  });

  it('reports a bad config file naming the key, with exit status 2', async () => {
    const config = path.join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ metadata: { values: { 'instance-idd': 'x' } } }));
    const result = await runToEnd(['--config', config, '--port', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /"metadata\.values\.instance-idd" is not a known key\. Did you mean "instance-id"\?/);
  });

  it('rejects unknown flags, bad values and unknown scenarios with exit status 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--port', 'eighty'], /--port must be a port number/],
      [['--port', '70000'], /--port must be a port number/],
      [['--imdsv2', 'sometimes'], /Unexpected argument 'sometimes'|--imdsv2/],
      [['--imdsv2=sometimes'], /--imdsv2 takes "required" or "optional"/],
      [['--scenario', 'meteor'], /Unknown scenario "meteor"[\s\S]*iam-role-attach/],
      [['--scenario-option', 'a=b'], /--scenario-option needs --scenario/],
      [['--scenario', 'spot-interruption', '--scenario-option', 'novalue'], /key=value/],
      [['--error-rate', '3'], /--error-rate must be a fraction/],
      [['--hop-limit', '65'], /--hop-limit must be a whole number 1\.\.64/],
      [['--user-data', '/nonexistent/file'], /Cannot read --user-data/],
      [['--user-data', '/etc/hostname', '--no-user-data'], /cannot be used together/],
    ];
    for (const [args, message] of cases) {
      const result = await runToEnd(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stdout, '', args.join(' '));
    }
  });

  it('prints help and exits 0', async () => {
    const result = await runToEnd(['--help']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /--port N[\s\S]*--imdsv2[\s\S]*--config FILE[\s\S]*--user-data FILE[\s\S]*--scenario NAME[\s\S]*--hop-limit/);
  });

  it('exits 1 with a hint when the port is taken', async () => {
    const first = await start(['--port', '0']);
    try {
      const port = new URL(first.url).port;
      const result = await runToEnd(['--port', port]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /EADDRINUSE[\s\S]*--port 0 for a free one/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exit;
    }
  });
});
