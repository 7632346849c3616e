// `imds ec2 describe|set` and `imds doctor --instance` against the local EC2 endpoint wired to the
// emulator, through the CLI's main() (the same code dist/cli/imds.js runs).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { main } from '../../../src/cli/imds';
import { startEc2World } from '../../support/ec2/world';
import { useAwsWorld } from '../../support/awsWorld';

async function imds(argv: string[], confirm?: (q: string) => Promise<boolean>) {
  let stdout = '';
  const stderr: string[] = [];
  const code = await main(argv, { stdout: (d) => void (stdout += String(d)), stderr: (l) => void stderr.push(l), env: {}, ...(confirm ? { confirm } : {}) });
  return { code, stdout, stderr: stderr.join('\n') };
}

describe('imds ec2 … and imds doctor --instance', () => {
  const suite = useAwsWorld(() => startEc2World({ endpoint: { applyDelayMs: 100 } }));
  let id: string;
  let at: string[];

  before(async () => {
    process.env.AWS_ACCESS_KEY_ID = suite.world.endpoint.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = suite.world.endpoint.credentials.secretAccessKey;
    id = suite.world.wired.instanceId;
    at = ['--region', suite.world.wired.region, '--ec2-endpoint', suite.world.endpoint.url];
  });

  it('describe prints MetadataOptions, the association and the defaults; --json the settings', async () => {
    const text = await imds(['ec2', 'describe', '--instance', id, ...at]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /imds-explorer-demo \(i-0123456789abcdef0\) {2}us-east-1 {2}running {2}t3\.micro/);
    assert.match(text.stdout, /HttpTokens\s+optional/);
    assert.match(text.stdout, /IAM role association: associated arn:aws:iam::123456789012:instance-profile\/ImdsExplorerDemoRole/);
    assert.match(text.stdout, /Account defaults \(us-east-1\): HttpTokens no preference/);
    const json = await imds(['ec2', 'describe', '--instance', id, '--json', ...at]);
    assert.equal(JSON.parse(json.stdout).instance.metadataOptions.httpPutResponseHopLimit, 1);
  });

  it('set --dry-run changes nothing; set without --yes and without a terminal refuses after the DryRun', async () => {
    const dry = await imds(['ec2', 'set', '--instance', id, '--http-tokens', 'required', '--hop-limit', '2', '--dry-run', ...at]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /DryRun: the change would succeed/);
    assert.match(dry.stderr, /HttpTokens: optional → required\n {2}HttpPutResponseHopLimit: 1 → 2/);
    const unasked = await imds(['ec2', 'set', '--instance', id, '--http-tokens', 'required', ...at]);
    assert.equal(unasked.code, 2);
    assert.match(unasked.stderr, /add --yes/);
    const declined = await imds(['ec2', 'set', '--instance', id, '--http-tokens', 'required', ...at], async () => false);
    assert.equal(declined.code, 1);
    assert.equal(suite.world.emulator.imdsv2, 'optional');
    assert.equal(suite.world.endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: false }), 0);
  });

  it('set --yes applies, waits for applied, and prints the undo command, which works', async () => {
    const set = await imds(['ec2', 'set', '--instance', id, '--http-tokens', 'required', '--hop-limit', '2', '--yes', ...at]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^Applied: HttpTokens: optional → required; HttpPutResponseHopLimit: 1 → 2/);
    assert.equal(suite.world.emulator.imdsv2, 'required');
    assert.equal(suite.world.emulator.faults.hopLimit, 2);
    const undo = /Undo: imds (.*)/.exec(set.stdout)![1].split(' ');
    assert.deepEqual(undo.slice(0, 8), ['ec2', 'set', '--instance', id, '--http-tokens', 'optional', '--hop-limit', '1']);
    const back = await imds([...undo, '--yes']);
    assert.equal(back.code, 0, back.stderr);
    assert.equal(suite.world.emulator.imdsv2, 'optional');
  });

  it('a missing permission is one line naming it, and bad input says what to give', async () => {
    suite.world.endpoint.deny('ec2:ModifyInstanceMetadataOptions');
    const denied = await imds(['ec2', 'set', '--instance', id, '--http-tokens', 'required', '--yes', ...at]);
    suite.world.endpoint.allow('ec2:ModifyInstanceMetadataOptions');
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /not allowed to call ec2:ModifyInstanceMetadataOptions.*Add ec2:ModifyInstanceMetadataOptions/);
    assert.match((await imds(['ec2', 'set', '--instance', id, '--hop-limit', '99', ...at])).stderr, /--hop-limit must be a whole number from 1 to 64/);
    assert.match((await imds(['ec2', 'describe', '--instance', 'i-nope', ...at])).stderr, /not an instance id/);
    assert.match((await imds(['ec2', 'set', '--instance', id, ...at])).stderr, /Say what to change/);
    assert.match((await imds(['ec2', 'describe', '--instance', 'i-0fffffffffffffff0', ...at])).stderr, /No instance i-0fffffffffffffff0/);
  });

  it('doctor --instance adds the EC2 checks with the fix', async () => {
    const report = await imds(['doctor', '--endpoint', suite.world.emulator.url, '--instance', id, '--json', ...at]);
    const parsed = JSON.parse(report.stdout) as { checks: { id: string; status: string; fix?: { after: unknown } }[] };
    const tokens = parsed.checks.find((c) => c.id === 'ec2-tokens')!;
    assert.equal(tokens.status, 'warn');
    assert.deepEqual(tokens.fix?.after, { httpTokens: 'required' });
    const text = await imds(['doctor', '--endpoint', suite.world.emulator.url, '--instance', id, ...at]);
    assert.match(text.stdout, /fix through the EC2 API \(instance imds-explorer-demo \(i-0123456789abcdef0\) in us-east-1, default credentials\): HttpTokens: optional → required/);
  });
});
