// Every generated bash, Python and Node snippet is executed against the emulator (IMDSv2 required
// for the v2 snippets) and must print exactly the bytes our ImdsClient reads for the same path.
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { startEmulator, type Emulator } from '../../../src/emulator/server';
import { ImdsClient } from '../../../src/imds/client';
import { snippetKinds, type SnippetKind } from '../../../src/snippets';
import { closedLoopbackPort, interpreterFor, runSnippet, snippetEnv, unavailableReason } from './runSnippet';

const PATHS = [
  '/latest/meta-data/instance-id',
  'meta-data/placement/availability-zone', // relative: taken under /latest/
  '/latest/dynamic/instance-identity/document', // multi-line JSON
  '/latest/user-data', // ends with a newline, which must survive
  '/latest/meta-data/', // a listing
  '/latest/meta-data/iam/security-credentials/', // a listing with one role name
];

const runnableKinds = snippetKinds.filter((kind) => kind.protocol !== 'rules' && interpreterFor(kind.languageId));

/** The body the project's own client reads for `path` (v2 only, environment ignored). */
async function clientValue(emulator: Emulator, path: string): Promise<Buffer> {
  const client = new ImdsClient({ endpoint: emulator.url, versionPolicy: emulator.imdsv2 === 'required' ? 'v2-only' : 'auto', env: {} });
  try {
    return (await client.get(path)).body;
  } finally {
    await client.close();
  }
}

describe('generated snippets print the emulator value', () => {
  let v2Only: Emulator;
  let v2OnlyIpv6: Emulator | undefined;
  let v1Allowed: Emulator;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    v2Only = await startEmulator({ imdsv2: 'required' });
    v1Allowed = await startEmulator({ imdsv2: 'optional' });
    try {
      v2OnlyIpv6 = await startEmulator({ imdsv2: 'required', host: '::1' });
    } catch {
      v2OnlyIpv6 = undefined; // no IPv6 loopback: the IPv6 variants run over IPv4 and say so
    }
    env = snippetEnv(await closedLoopbackPort());
  });
  after(async () => {
    await Promise.all([v2Only?.close(), v1Allowed?.close(), v2OnlyIpv6?.close()]);
  });

  // IPv6 variants go to the emulator on [::1], so the bracketed endpoint is really exercised.
  function emulatorFor(kind: SnippetKind): Emulator {
    if (kind.protocol === 'v1') return v1Allowed;
    if (kind.id.endsWith('-ipv6') && v2OnlyIpv6) return v2OnlyIpv6;
    return v2Only;
  }

  for (const kind of runnableKinds) {
    const interpreter = interpreterFor(kind.languageId)!;
    describe(kind.id, () => {
      for (const path of PATHS) {
        it(`prints ${path}`, async (t) => {
          const missing = unavailableReason(interpreter);
          if (missing) return t.skip(missing);
          const emulator = emulatorFor(kind);
          if (kind.id.endsWith('-ipv6') && emulator.host !== '::1') t.diagnostic('no IPv6 loopback here: ran over IPv4');
          const result = await runSnippet(interpreter, kind.generate(path, { endpoint: emulator.url }), env);
          assert.equal(result.status, 0, `exit status 0; stderr: ${result.stderr}`);
          assert.deepEqual(result.stdout, await clientValue(emulator, path));
        });
      }
    });
  }

  it('the IPv6 variants really ran over IPv6 loopback', (t) => {
    if (!v2OnlyIpv6) return t.skip('::1 is not available on this machine');
    assert.match(v2OnlyIpv6.url, /^http:\/\/\[::1\]:\d+$/);
    assert.ok(v2OnlyIpv6.stats.tokenPuts > 0, 'the IPv6 emulator issued tokens');
  });

  for (const kind of runnableKinds.filter((k) => k.protocol === 'v2')) {
    const interpreter = interpreterFor(kind.languageId)!;
    it(`${kind.id}: one token serves several reads`, async (t) => {
      const missing = unavailableReason(interpreter);
      if (missing) return t.skip(missing);
      const paths = ['/latest/meta-data/instance-id', '/latest/meta-data/instance-type', '/latest/meta-data/local-ipv4'];
      const emulator = emulatorFor(kind);
      emulator.stats.reset();
      const source = kind.generate(paths[0], { endpoint: emulator.url, extraPaths: paths.slice(1) });
      const result = await runSnippet(interpreter, source, env);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(emulator.stats.tokenPuts, 1, 'exactly one token PUT');
      assert.equal(emulator.stats.requests, 1 + paths.length);
      const values = await Promise.all(paths.map((p) => clientValue(emulator, p)));
      assert.deepEqual(result.stdout, Buffer.concat(values.flatMap((value) => [value, Buffer.from('\n')])));
    });
  }

  for (const kind of runnableKinds.filter((k) => k.protocol === 'v1')) {
    it(`${kind.id} fails (no value printed) where IMDSv2 is required`, async () => {
      const result = await runSnippet('bash', kind.generate('/latest/meta-data/instance-id', { endpoint: v2Only.url }), env);
      assert.notEqual(result.status, 0);
      assert.equal(result.stdout.length, 0);
      assert.match(result.stderr, /401/);
    });
  }
});

describe('the v2 snippets fail when the token PUT fails, and print no error page', () => {
  let disabled: Emulator;
  let closedPort: number;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    disabled = await startEmulator({ imdsv2: 'required', enabled: false });
    closedPort = await closedLoopbackPort();
    env = snippetEnv(closedPort);
  });
  after(() => disabled?.close());

  for (const kind of runnableKinds.filter((k) => k.protocol === 'v2')) {
    const interpreter = interpreterFor(kind.languageId)!;

    it(`${kind.id}: IMDS disabled (PUT answers 403) -> non-zero exit, empty stdout`, async (t) => {
      const missing = unavailableReason(interpreter);
      if (missing) return t.skip(missing);
      const result = await runSnippet(interpreter, kind.generate('/latest/meta-data/instance-id', { endpoint: disabled.url }), env);
      assert.notEqual(result.status, 0, 'non-zero exit');
      assert.equal(result.stdout.length, 0, `no value printed, got ${JSON.stringify(result.stdout.toString())}`);
      assert.doesNotMatch(result.stderr + result.stdout.toString(), /<html|<\?xml|Forbidden<\/title>/i, 'the error page is not used as data');
      assert.match(result.stderr, /403|token request failed/i, 'stderr says what failed');
    });

    it(`${kind.id}: nothing listening -> non-zero exit, empty stdout`, async (t) => {
      const missing = unavailableReason(interpreter);
      if (missing) return t.skip(missing);
      const source = kind.generate('/latest/meta-data/instance-id', { endpoint: `http://127.0.0.1:${closedPort}`, connectTimeoutSeconds: 1, requestTimeoutSeconds: 2 });
      const result = await runSnippet(interpreter, source, env);
      assert.notEqual(result.status, 0);
      assert.equal(result.stdout.length, 0);
      assert.ok(result.stderr.length > 0, 'an error message on stderr');
    });
  }

  it('bash-imdsv2 with `set -euo pipefail` in front behaves the same (works, and fails on 403)', async () => {
    const kind = snippetKinds.find((k) => k.id === 'bash-imdsv2')!;
    const ok = await startEmulator({ imdsv2: 'required' });
    try {
      const good = await runSnippet('bash', 'set -euo pipefail\n' + kind.generate('/latest/meta-data/instance-id', { endpoint: ok.url }), env);
      assert.equal(good.status, 0, good.stderr);
      assert.deepEqual(good.stdout, await clientValue(ok, '/latest/meta-data/instance-id'));
      const bad = await runSnippet('bash', 'set -euo pipefail\n' + kind.generate('/latest/meta-data/instance-id', { endpoint: disabled.url }), env);
      assert.notEqual(bad.status, 0);
      assert.equal(bad.stdout.length, 0);
    } finally {
      await ok.close();
    }
  });
});

describe('bash-imdsv2-container and the hop limit', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    // Every request from 127.0.0.1 counts as coming from a container (2 hops).
    emulator = await startEmulator({ imdsv2: 'required', faults: { containerSources: ['127.0.0.1'], hopLimit: 1 } });
    env = snippetEnv(await closedLoopbackPort());
  });
  after(() => emulator?.close());

  it('with hop limit 1 the token PUT times out: non-zero exit naming the hop limit', async () => {
    const kind = snippetKinds.find((k) => k.id === 'bash-imdsv2-container')!;
    const source = kind.generate('/latest/meta-data/instance-id', { endpoint: emulator.url, requestTimeoutSeconds: 1 });
    assert.match(source, /--http-put-response-hop-limit 2/);
    const result = await runSnippet('bash', source, env);
    assert.notEqual(result.status, 0);
    assert.equal(result.stdout.length, 0);
    assert.match(result.stderr, /hop limit/);
  });

  it('with hop limit 2 it prints the value', async () => {
    emulator.setFaults({ hopLimit: 2 });
    const kind = snippetKinds.find((k) => k.id === 'bash-imdsv2-container')!;
    const result = await runSnippet('bash', kind.generate('/latest/meta-data/instance-id', { endpoint: emulator.url }), env);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(result.stdout, await clientValue(emulator, '/latest/meta-data/instance-id'));
  });
});
