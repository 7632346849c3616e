// `imds --ssm INSTANCE_ID --region R --ssm-endpoint URL`: every command reaches the instance
// through the SSM source (createSourceFromArgs), and its errors print as one line with a remedy.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { main } from '../../../src/cli/imds';
import { parseSnapshot } from '../../../src/imds/snapshot';
import { INSTANCE, REGION, startSsmWorld } from '../../support/ssm/fixtures';
import { useAwsWorld } from '../../support/awsWorld';

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string[] }> {
  let stdout = '';
  const stderr: string[] = [];
  const code = await main(argv, { stdout: (data) => (stdout += data.toString()), stderr: (line) => stderr.push(line), env: process.env });
  return { code, stdout, stderr };
}

describe('imds CLI with --ssm', () => {
  const suite = useAwsWorld(() => startSsmWorld());
  let ssm: string[];

  before(async () => {
    // Credentials the way the CLI finds them: a named profile in the (isolated) shared files.
    suite.aws.write(`[profile test]\nregion = ${REGION}\n`, `[test]\naws_access_key_id = ${suite.world.endpoint.credentials.accessKeyId}\naws_secret_access_key = ${suite.world.endpoint.credentials.secretAccessKey}\n`);
    ssm = ['--ssm', INSTANCE, '--profile', 'test', '--region', REGION, '--ssm-endpoint', suite.world.endpoint.url, '--endpoint', suite.world.emulator.url, '--ssm-transport', 'run-command'];
  });

  it('snapshot --json prints the same snapshot as the direct read, with one SendCommand', async () => {
    const sent = suite.world.endpoint.countOf('SendCommand');
    const { code, stdout, stderr } = await cli(['snapshot', '--json', ...ssm]);
    assert.equal(code, 0, stderr.join('\n'));
    assert.deepEqual(parseSnapshot(stdout).entries, (await suite.world.direct()).entries);
    assert.equal(suite.world.endpoint.countOf('SendCommand'), sent + 1);
    assert.equal(suite.world.endpoint.calls.at(-1)?.region, REGION);
  });

  it('ls and get read through SSM', async () => {
    const ls = await cli(['ls', 'meta-data/public-keys/', ...ssm]);
    assert.equal(ls.stdout, '0=my-key/\n');
    const get = await cli(['get', 'meta-data/instance-id', ...ssm]);
    assert.equal(get.stdout, INSTANCE);
  });

  it('prints an SSM error as one line with its remedy, exit 2', async () => {
    suite.world.endpoint.deny('ssm:SendCommand');
    try {
      const { code, stderr } = await cli(['snapshot', ...ssm]);
      assert.equal(code, 2);
      assert.equal(stderr.length, 1);
      assert.match(stderr[0], /^imds: .*not allowed to call ssm:SendCommand in eu-west-1\. Add ssm:SendCommand to its IAM policy/);
    } finally {
      suite.world.endpoint.allow('ssm:SendCommand');
    }
  });

  it('refuses options that mean nothing through SSM, and SSM options without --ssm', async () => {
    const v1 = await cli(['snapshot', '--v1', ...ssm]);
    assert.equal(v1.code, 2);
    assert.match(v1.stderr[0], /--v1 cannot be used with --ssm/);
    const stray = await cli(['snapshot', '--region', REGION]);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr[0], /--region is an SSM option: add --ssm INSTANCE_ID/);
    const help = await cli(['--help']);
    assert.match(help.stdout, /--ssm INSTANCE_ID/);
    assert.match(help.stdout, /--ssm-endpoint URL/);
  });

  it('--ssm-transport session reads through one Session Manager session, no SendCommand; bad values are refused', async () => {
    const started = suite.world.endpoint.countOf('StartSession');
    const sent = suite.world.endpoint.countOf('SendCommand');
    const session = ssm.slice(0, -1).concat('session');
    const { code, stdout, stderr } = await cli(['snapshot', '--json', ...session]);
    assert.equal(code, 0, stderr.join('\n'));
    assert.deepEqual(parseSnapshot(stdout).entries, (await suite.world.direct()).entries);
    assert.equal(suite.world.endpoint.countOf('StartSession'), started + 1);
    assert.equal(suite.world.endpoint.countOf('SendCommand'), sent);
    const bad = await cli(['snapshot', ...ssm.slice(0, -1), 'runCommand']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr[0], /--ssm-transport must be auto, session or run-command/);
    const help = await cli(['--help']);
    assert.match(help.stdout, /--ssm-transport auto\|session\|run-command/);
  });

  it('--ssm-transport session with StartSession denied: the error and its remedy, no silent fallback', async () => {
    suite.world.endpoint.deny('ssm:StartSession');
    try {
      const sent = suite.world.endpoint.countOf('SendCommand');
      const { code, stderr } = await cli(['snapshot', ...ssm.slice(0, -1), 'session']);
      assert.equal(code, 2);
      assert.match(stderr[0], /may not start a Session Manager session.*Allow ssm:StartSession/);
      assert.equal(suite.world.endpoint.countOf('SendCommand'), sent);
    } finally {
      suite.world.endpoint.allow('ssm:StartSession');
    }
  });
});
