// SsmSource end to end: the real SDK -> the local SSM endpoint -> the script really running here
// -> the emulator as the instance's IMDS. The snapshot must equal the direct client's, path for path.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assembleDocument, decodeDocument, parseDocumentPart } from '../../../src/sources/ssm/document';
import { findSystemTool } from '../../support/ssm/instanceShell';
import { assertSamePaths, INSTANCE, startSsmWorld } from '../../support/ssm/fixtures';
import { useAwsWorld } from '../../support/awsWorld';

describe('SsmSource against the emulator (IMDSv2 optional)', () => {
  const suite = useAwsWorld(() => startSsmWorld());

  it('takes a snapshot equal to the direct snapshot, path for path, with one SendCommand', async () => {
    const source = suite.world.source();
    const viaSsm = await source.snapshot();
    const direct = await suite.world.direct();
    assertSamePaths(viaSsm, direct);
    assert.ok(viaSsm.entries.length > 50, 'the default tree is read whole');
    assert.equal(suite.world.endpoint.countOf('SendCommand'), 1);
    assert.equal(viaSsm.stats?.imdsMode, 'v2');
    assert.match(viaSsm.source, new RegExp(`^ssm ${INSTANCE} eu-west-1$`));
    assert.equal(source.kind, 'ssm');
    assert.equal(source.state().imdsMode, 'v2');
  });

  it('serves list, get and subtree snapshots from memory until refresh()', async () => {
    const source = suite.world.source();
    await source.snapshot();
    const sent = suite.world.endpoint.countOf('SendCommand');
    const keys = await source.list('/latest/meta-data/public-keys/');
    assert.deepEqual(keys, [{ name: '0=my-key', path: '/latest/meta-data/public-keys/0/', isDirectory: true }]);
    assert.equal((await source.get('meta-data/instance-id')).text, INSTANCE);
    // A value asked with a trailing slash is the value, as on the service.
    const slashed = await source.get('meta-data/instance-id/');
    assert.equal(slashed.text, INSTANCE);
    assert.equal(slashed.path, '/latest/meta-data/instance-id/');
    await assert.rejects(source.get('/latest/meta-data/no-such-thing/'), { name: 'ImdsError', status: 404 });
    assertSamePaths(await source.snapshot({ root: '/latest/meta-data/placement/' }), await suite.world.direct('/latest/meta-data/placement/'));
    await assert.rejects(source.get('/latest/meta-data/no-such-thing'), { name: 'ImdsError', status: 404 });
    assert.equal(suite.world.endpoint.countOf('SendCommand'), sent, 'no command for reads served from memory');
    source.refresh();
    await source.list('/latest/');
    assert.equal(suite.world.endpoint.countOf('SendCommand'), sent + 1, 'refresh takes a new snapshot on the next read');
  });

  it('shares one command between concurrent reads', async () => {
    const source = suite.world.source();
    const before = suite.world.endpoint.countOf('SendCommand');
    await Promise.all([source.list('/latest/meta-data/'), source.get('/latest/meta-data/ami-id'), source.snapshot()]);
    assert.equal(suite.world.endpoint.countOf('SendCommand'), before + 1);
  });

  it('masks credentials on the instance: the secret never travels through SSM', async () => {
    const source = suite.world.source();
    const viaSsm = await source.snapshot();
    const direct = await suite.world.direct();
    const path = '/latest/meta-data/iam/security-credentials/ImdsExplorerDemoRole';
    const entry = viaSsm.entries.find((e) => e.path === path)!;
    assert.equal(entry.masked, true);
    assert.deepEqual(entry, direct.entries.find((e) => e.path === path));
    const secret = JSON.parse(suite.world.emulator.getValue(path)!.toString('utf8')) as { SecretAccessKey: string; Token: string };
    const last = suite.world.endpoint.invocations().at(-1)!;
    const walk = decodeDocument(assembleDocument([parseDocumentPart(last.stdout)]));
    const sent = walk.records.get(path)!.body!.toString('utf8');
    assert.ok(!sent.includes(secret.SecretAccessKey) && !sent.includes(secret.Token), 'the command output holds no secret');
    assert.match(sent, /"SecretAccessKey"\s*:\s*"\*{16}"/);
  });

  it('sends credentials only when asked (showSecrets), and then equals the direct read with secrets', async () => {
    const source = suite.world.source();
    const viaSsm = await source.snapshot({ showSecrets: true });
    const direct = await (async () => {
      const { ImdsClient } = await import('../../../src/imds/client');
      const client = new ImdsClient({ endpoint: suite.world.emulator.url, env: {} });
      try {
        return await client.snapshot({ showSecrets: true });
      } finally {
        await client.close();
      }
    })();
    assertSamePaths(viaSsm, direct);
  });

  for (const tools of [['python3'], ['curl'], ['wget']] as const) {
    it(`works on an instance with only ${tools[0]}`, async (t) => {
      if (!findSystemTool(tools[0])) return t.skip(`${tools[0]} is not installed on this machine`);
      const id = `i-0${tools[0] === 'python3' ? 'aaaaaaaaaaaaaaa1' : tools[0] === 'curl' ? 'aaaaaaaaaaaaaaa2' : 'aaaaaaaaaaaaaaa3'}`;
      suite.world.endpoint.setInstance({ instanceId: id, tools: [...tools] });
      const source = suite.world.source({ instanceId: id });
      assertSamePaths(await source.snapshot(), await suite.world.direct());
      assert.equal(source.lastRun()?.tool, tools[0]);
    });
  }

  it('runs in a plain POSIX shell (dash) as well as bash', async (t) => {
    const dash = findSystemTool('dash');
    if (!dash) return t.skip('dash is not installed on this machine');
    const id = 'i-0bbbbbbbbbbbbbbb1';
    suite.world.endpoint.setInstance({ instanceId: id, tools: ['curl'], shell: dash });
    const source = suite.world.source({ instanceId: id });
    assertSamePaths(await source.snapshot(), await suite.world.direct());
  });

  it('reads a Windows instance with the PowerShell script (AWS-RunPowerShellScript)', async (t) => {
    const id = 'i-0bbbbbbbbbbbbbbb3';
    suite.world.endpoint.setInstance({ instanceId: id, platformType: 'Windows' });
    const source = suite.world.source({ instanceId: id, platform: 'windows' });
    if (!findSystemTool('pwsh')) {
      // Still checks the document and platform are sent right: the endpoint refuses to fake a run.
      await assert.rejects(source.snapshot(), /cannot run AWS-RunPowerShellScript: pwsh is not installed/);
      assert.equal(suite.world.endpoint.calls.filter((c) => c.operation === 'SendCommand').at(-1)?.body.DocumentName, 'AWS-RunPowerShellScript');
      return t.skip('pwsh (PowerShell) is not installed on this machine: the Windows script was sent but not run');
    }
    assertSamePaths(await source.snapshot(), await suite.world.direct());
  });

  it('takes the IMDS endpoint from the instance environment when none is given', async () => {
    const id = 'i-0bbbbbbbbbbbbbbb2';
    suite.world.endpoint.setInstance({ instanceId: id, env: { AWS_EC2_METADATA_SERVICE_ENDPOINT: suite.world.emulator.url } });
    const source = suite.world.source({ instanceId: id, imdsEndpoint: undefined });
    assertSamePaths(await source.snapshot(), await suite.world.direct());
    assert.equal(source.state().endpoint, suite.world.emulator.url);
  });
});

describe('SsmSource: IMDSv2 required, and a tree too large for one command output', () => {
  const suite = useAwsWorld(() => startSsmWorld({ emulator: { imdsv2: 'required' } }));

  it('reads a v2-required instance with a token, like the direct client', async () => {
    const source = suite.world.source();
    const snapshot = await source.snapshot();
    assertSamePaths(snapshot, await suite.world.direct());
    assert.equal(snapshot.stats?.imdsMode, 'v2');
  });

  it('reads a tree whose document exceeds 24,000 characters even compressed, whole, in parts', async () => {
    // 16 KB of random user data and 150 tags of random text: neither compresses.
    suite.world.emulator.setUserData(randomBytes(16384));
    for (let i = 0; i < 150; i++) suite.world.emulator.setValue(`/latest/meta-data/tags/instance/Tag${i}`, randomBytes(48).toString('hex'));
    const direct = await suite.world.direct();
    const sentBefore = suite.world.endpoint.countOf('SendCommand');
    const invocationsBefore = suite.world.endpoint.invocations().length;
    const source = suite.world.source({ instanceId: INSTANCE });
    const snapshot = await source.snapshot();
    assertSamePaths(snapshot, direct);
    assert.equal(snapshot.entries.find((e) => e.path === '/latest/user-data')?.encoding, 'base64');

    const first = parseDocumentPart(suite.world.endpoint.invocations()[invocationsBefore].stdout);
    assert.ok(first.parts >= 2, `the document needed ${first.parts} part(s)`);
    assert.ok(first.total! > 24000, 'compressed document is longer than one output');
    for (const invocation of suite.world.endpoint.invocations()) assert.ok(invocation.stdout.length < 24000, 'no output was cut by the service');
    assert.equal(source.lastRun()?.commands, first.parts, 'one command per part');
    await suite.world.endpoint.idle();
    // Cleanup is sent after the parts are read: wait for it to have run.
    for (let i = 0; i < 50 && suite.world.endpoint.countOf('SendCommand') < sentBefore + first.parts + 1; i++) await new Promise((r) => setTimeout(r, 20));
    await suite.world.endpoint.idle();
    assert.equal(suite.world.endpoint.countOf('SendCommand'), sentBefore + first.parts + 1, 'parts plus one cleanup command');
    assert.ok(!existsSync(join(suite.world.endpoint.tmpDir(INSTANCE), `imds-explorer-${first.id}.b64`)), 'the kept copy was removed');
  });
});
