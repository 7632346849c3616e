// The emulator CLI as a user runs it: a real child process (node + tsx), its one ready line, its
// flags, its refusals and its clean exit on SIGINT/SIGTERM.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { defaultInstance } from '../../../src/emulator/server';
import { eventually, getToken, request } from './http';

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
    writeFileSync(config, JSON.stringify({ metadata: { values: { 'instance-id': 'i-0abcabcabcabcabc0' } }, 'save-config-to-file': true }));
    const run = await start(['--port', '0', '--config', config]);
    try {
      assert.equal((await request(run.url, '/latest/meta-data/instance-id')).text, 'i-0abcabcabcabcabc0');
      assert.ok(run.stderr().includes(`warning: ${config}: "save-config-to-file" is accepted but has no effect`), run.stderr());
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });

  it('a config that asks for 0.0.0.0 gets loopback and a warning saying why; --strict-config refuses it', async () => {
    const config = path.join(dir, 'any-host.json');
    writeFileSync(config, JSON.stringify({ server: { hostname: '0.0.0.0', port: '0' } }));
    const run = await start(['--port', '0', '--config', config]);
    try {
      assert.match(run.url, /^http:\/\/127\.0\.0\.1:/);
      assert.match(run.stderr(), /"server\.hostname" asks to listen on 0\.0\.0\.0, beyond loopback.*--host 0\.0\.0\.0.*listening on 127\.0\.0\.1 instead/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
    const strict = await runToEnd(['--port', '0', '--strict-config', '--config', config]);
    assert.equal(strict.code, 2);
    assert.equal(strict.stdout, '');
    assert.match(strict.stderr, /asks to listen on 0\.0\.0\.0, beyond loopback.*--host 0\.0\.0\.0/);
  });

  it('unknown keys: one warning each naming key and file, and it serves; --strict-config exits 2 naming each', async () => {
    const config = path.join(dir, 'unknown.json');
    writeFileSync(config, JSON.stringify({ metadata: { values: { 'instance-idd': 'x' }, paths: { 'ipv4-associations': '/latest/meta-data/x' } }, imdsv3: true }));
    const run = await start(['--config', config, '--port', '0']);
    try {
      const warnings = run.stderr().split('\n').filter((l) => l.startsWith(`warning: ${config}: `));
      assert.equal(warnings.length, 3, run.stderr());
      assert.match(warnings.join('\n'), /"metadata\.values\.instance-idd" is not a known key\. Did you mean "instance-id"\?/);
      assert.equal((await request(run.url, '/latest/meta-data/instance-id')).status, 200);
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
    const strict = await runToEnd(['--config', config, '--port', '0', '--strict-config']);
    assert.equal(strict.code, 2);
    for (const key of ['metadata.values.instance-idd', 'metadata.paths.ipv4-associations', 'imdsv3']) assert.ok(strict.stderr.includes(`"${key}"`), key);
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

  it("takes an AEMM command line as it is: spot with its flags, -p, -n, -I, -x", async () => {
    const run = await start(['spot', '-a', 'stop', '-t', '2031-01-01T00:00:00Z', '-p', '0', '-n', '127.0.0.1', '-I', '-x', '1']);
    try {
      const headers = { 'X-aws-ec2-metadata-token': await getToken(run.url) };
      const notice = await request(run.url, '/latest/meta-data/spot/instance-action', { headers, localAddress: '127.0.0.1' });
      assert.deepEqual(JSON.parse(notice.text), { action: 'stop', time: '2031-01-01T00:00:00Z' });
      assert.equal((await request(run.url, '/latest/meta-data/spot/instance-action')).status, 401, '-I: IMDSv2 required');
      assert.equal((await request(run.url, '/latest/meta-data/spot/instance-action', { headers, localAddress: '127.0.0.2' })).status, 404, '-x 1: a second address sees no notice');
      assert.equal((await request(run.url, '/latest/meta-data/events/recommendations/rebalance', { headers })).status, 200, 'spot serves the rebalance recommendation too');
      assert.equal((await request(run.url, '/latest/meta-data/events/maintenance/scheduled', { headers })).text, '[]', 'spot posts no scheduled event');
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });

  it('AEMM events (alias se) and asglifecycle (alias asg) commands, and root timing flags with -c and -s', async () => {
    const events = await start(['se', '--code', 'instance-stop', '-t', 'completed', '--port', '0']);
    try {
      // A completed event is in the history list, as on EC2.
      const [event] = JSON.parse((await request(events.url, '/latest/meta-data/events/maintenance/history')).text);
      assert.equal(event.Code, 'instance-stop');
      assert.equal(event.State, 'completed');
      assert.equal((await request(events.url, '/latest/meta-data/spot/instance-action')).status, 404);
    } finally {
      events.child.kill('SIGTERM');
      await events.exit;
    }
    const asg = await start(['asg', '-p', '0']);
    try {
      assert.equal((await request(asg.url, '/latest/meta-data/autoscaling/target-lifecycle-state')).text, 'Terminated');
    } finally {
      asg.child.kill('SIGTERM');
      await asg.exit;
    }
    const config = path.join(dir, 'root.json');
    writeFileSync(config, JSON.stringify({ metadata: { values: { 'instance-id': 'i-0feedfeedfeedfee0' } } }));
    const root = await start(['-d', '0', '-c', config, '-s', '-p', '0']);
    try {
      assert.equal((await request(root.url, '/latest/meta-data/instance-id')).text, 'i-0feedfeedfeedfee0');
      assert.equal((await request(root.url, '/latest/meta-data/spot/instance-action')).status, 200, 'AEMM root timing flags serve the spot notice');
      assert.equal((await request(root.url, '/latest/meta-data/events/maintenance/scheduled')).status, 200, 'and the scheduled event');
      assert.match(root.stderr(), /-s is accepted for AEMM command lines but writes nothing/);
    } finally {
      root.child.kill('SIGTERM');
      await root.exit;
    }
  });

  it('refuses AEMM flags out of place, with the command to use', async () => {
    const cases: [string[], RegExp][] = [
      [['--action', 'stop'], /--action is a flag of AEMM's "spot" command/],
      [['-o', 'instance-stop'], /-o is a flag of AEMM's "events" command/],
      [['--port', '0', 'spot', '-a'], /-a needs a value/],
      [['-d', 'soon'], /-d must be a whole number of seconds/],
      [['spot', '--scenario', 'rebalance'], /--scenario and AEMM's "spot" command both choose/],
      [['--watch'], /--watch reloads the config file: give one with --config FILE/],
      [['spot', '-a', 'explode'], /"spot\.action" must be terminate, stop or hibernate/],
    ];
    for (const [args, message] of cases) {
      const result = await runToEnd(args.includes('--port') ? args : [...args, '--port', '0']);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  it('--watch (AEMM -w) reloads a changed config on the same address; a broken edit keeps the running one', async () => {
    const config = path.join(dir, 'watched.json');
    writeFileSync(config, JSON.stringify({ metadata: { values: { 'instance-id': 'i-0aaaaaaaaaaaaaaa1' } } }));
    const run = await start(['-w', '-c', config, '--port', '0']);
    try {
      assert.equal((await request(run.url, '/latest/meta-data/instance-id')).text, 'i-0aaaaaaaaaaaaaaa1');
      writeFileSync(config, JSON.stringify({ metadata: { values: { 'instance-id': 'i-0bbbbbbbbbbbbbbb2' } } }));
      assert.ok(await eventually(async () => (await request(run.url, '/latest/meta-data/instance-id').catch(() => undefined))?.text === 'i-0bbbbbbbbbbbbbbb2', 15_000), run.stderr());
      writeFileSync(config, '{ not json');
      assert.ok(await eventually(async () => /does not load, keeping the running one/.test(run.stderr()), 15_000), run.stderr());
      assert.equal((await request(run.url, '/latest/meta-data/instance-id')).text, 'i-0bbbbbbbbbbbbbbb2');
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
  });

  it("the config key watch-config-file turns reloading on as -w does; --imdsv2=false is AEMM's optional", async () => {
    const config = path.join(dir, 'self-watched.json');
    writeFileSync(config, JSON.stringify({ 'watch-config-file': true, metadata: { values: { 'instance-id': 'i-0ccccccccccccccc3' } } }));
    const run = await start(['--config', config, '--port', '0', '--imdsv2=false']);
    try {
      assert.equal((await request(run.url, '/latest/meta-data/instance-id')).text, 'i-0ccccccccccccccc3', 'tokenless read: IMDSv2 optional');
      writeFileSync(config, JSON.stringify({ 'watch-config-file': true, metadata: { values: { 'instance-id': 'i-0ddddddddddddddd4' } } }));
      assert.ok(await eventually(async () => (await request(run.url, '/latest/meta-data/instance-id').catch(() => undefined))?.text === 'i-0ddddddddddddddd4', 15_000), run.stderr());
    } finally {
      run.child.kill('SIGTERM');
      await run.exit;
    }
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
