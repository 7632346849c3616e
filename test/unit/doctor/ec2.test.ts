// The doctor with the EC2 API: configured (the local EC2 endpoint) compared with observed (the
// emulator it is wired to), and the acceptance paths: the finding "IMDSv1 allowed" → Apply (DryRun,
// change, applied) → the check passes; the same for hop limit 1 → 2 with the container simulation;
// the seed story of iam-role-attach; no permission on each call; throttling retried.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Ec2Api } from '../../../src/aws/ec2/api';
import { applyChange } from '../../../src/aws/ec2/change';
import { readInstanceSettings } from '../../../src/aws/ec2/settings';
import type { DoctorReport } from '../../../src/doctor';
import { startEc2World } from '../../support/ec2/world';
import { check, doctorOn, emptyHome, joined } from './helpers';
import { useAwsWorld } from '../../support/awsWorld';

const EC2_ACTIONS = ['ec2:DescribeInstances', 'ec2:DescribeIamInstanceProfileAssociations', 'ec2:GetInstanceMetadataDefaults', 'ec2:ModifyInstanceMetadataOptions', 'ec2:ModifyInstanceMetadataDefaults'];

describe('doctor: EC2 API settings compared with what IMDS does, and Apply', () => {
  const suite = useAwsWorld(() => startEc2World({ endpoint: { applyDelayMs: 150 } }));
  let api: Ec2Api;
  const home = emptyHome();

  before(async () => {
    api = await suite.world.api();
  });
  after(() => home.remove());
  beforeEach(() => {
    for (const action of EC2_ACTIONS) suite.world.endpoint.allow(action);
    suite.world.endpoint.clearFaults();
  });

  const doctor = (): Promise<DoctorReport> => doctorOn(suite.world.emulator.url, home.dir, { ec2: { read: (id) => readInstanceSettings(api, id) } });
  const yes = { confirm: async () => true, pollMs: 30 };

  it('IMDSv1 allowed → Apply (DryRun, change, applied) → the check passes', async () => {
    const first = await doctor();
    const tokens = check(first, 'ec2-tokens');
    assert.equal(tokens.status, 'warn');
    assert.match(tokens.summary, /IMDSv1 is allowed/);
    assert.match(joined(tokens), /What is not known from here/);
    assert.match(joined(tokens), /MetadataNoToken/);
    assert.equal(check(first, 'imdsv1').status, 'warn');
    // On the emulator wired to the EC2 endpoint, Apply… is the fix here too (not "only on a real instance").
    assert.match(check(first, 'imdsv1').advice.join(' '), /behind a local EC2 endpoint: Apply… on the EC2 check below/);
    assert.deepEqual(tokens.fix, { kind: 'instance-options', instanceId: suite.world.wired.instanceId, name: 'imds-explorer-demo', region: suite.world.wired.region, before: { httpTokens: 'optional' }, after: { httpTokens: 'required' } });

    const dryRunsBefore = suite.world.endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: true });
    const outcome = await applyChange(api, tokens.fix!, yes);
    assert.equal(outcome.status, 'made');
    assert.ok(outcome.status === 'made' && outcome.record.state === 'applied');
    assert.equal(suite.world.endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: true }), dryRunsBefore + 1, 'a DryRun went first');

    const second = await doctor();
    assert.equal(check(second, 'ec2-tokens').status, 'pass');
    assert.equal(check(second, 'imdsv1').status, 'pass', 'IMDS itself now refuses tokenless GETs');
    assert.equal(check(second, 'ec2-tokens').fix, undefined);

    await applyChange(api, { ...tokens.fix!, before: { httpTokens: 'required' }, after: { httpTokens: 'optional' } }, yes);
  });

  it('hop limit 1 with a container: the token PUT times out → Apply hop limit 2 → passes', async () => {
    suite.world.emulator.setFaults({ containerSources: ['127.0.0.1'] });
    try {
      const first = await doctor();
      const hop = check(first, 'ec2-hop-limit');
      assert.equal(hop.status, 'fail');
      assert.match(hop.summary, /container/);
      assert.match(hop.summary, /hop limit 2/);
      assert.equal(check(first, 'hop-limit').status, 'fail');
      assert.deepEqual(hop.fix?.after, { httpPutResponseHopLimit: 2 });
      assert.deepEqual(hop.fix?.before, { httpPutResponseHopLimit: 1 });
      // While the reader cannot get a token, requiring tokens is not offered.
      assert.equal(check(first, 'ec2-tokens').fix, undefined);
      assert.match(check(first, 'ec2-tokens').summary, /would break it/);

      const outcome = await applyChange(api, hop.fix!, yes);
      assert.ok(outcome.status === 'made' && outcome.record.state === 'applied');
      assert.equal(suite.world.emulator.faults.hopLimit, 2);

      const second = await doctor();
      assert.equal(check(second, 'ec2-hop-limit').status, 'pass');
      assert.equal(check(second, 'hop-limit').status, 'pass');
      await applyChange(api, { ...hop.fix!, before: { httpPutResponseHopLimit: 2 }, after: { httpPutResponseHopLimit: 1 } }, yes);
    } finally {
      suite.world.emulator.setFaults({ containerSources: [] });
    }
  });

  it('the seed story: associating, then credentials; the advice names the programs that cache, never a restart of IMDS', async () => {
    suite.world.wired.attachRole({ infoAfterSeconds: 0.6, credentialsAfterSeconds: 1.2 });
    try {
      const during = await doctor();
      const association = check(during, 'ec2-role-association');
      assert.equal(association.status, 'warn');
      assert.match(association.summary, /associating/);
      assert.match(joined(association), /SSM agent/);
      assert.match(joined(association), /ECS agent/);
      assert.match(joined(association), /IMDS is served by the EC2 host/);
      assert.doesNotMatch(joined(association), /restart (the )?IMDS/i);
      assert.match(association.evidence[0], /associating arn:aws:iam::123456789012:instance-profile\/ImdsExplorerDemoRole since/);

      // Wait for the timeline to serve credentials (a condition, not a sleep).
      const deadline = Date.now() + 10_000;
      while (!suite.world.emulator.getValue('/latest/meta-data/iam/security-credentials/ImdsExplorerDemoRole')) {
        assert.ok(Date.now() < deadline, 'credentials appear');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const later = await doctor();
      const attached = check(later, 'ec2-role-association');
      assert.equal(attached.status, 'info');
      assert.match(attached.summary, /attached .* ago and is associated/);
      assert.ok(attached.evidence.some((line) => /IMDS credentials LastUpdated/.test(line)), 'the credential timing is evidence');
      assert.match(joined(attached), /Restart the programs that cached credentials/);
    } finally {
      suite.world.emulator.setScenario('none');
    }
  });

  it('without a permission, the check that needs it is skipped naming it; nothing changes; the other checks stay', async () => {
    const baseline = await doctor();
    const untouched = baseline.checks.filter((c) => !c.id.startsWith('ec2-')).map((c) => `${c.id}:${c.status}`);
    const needs: Record<string, string[]> = {
      'ec2:DescribeInstances': ['ec2-settings', 'ec2-tokens', 'ec2-hop-limit'],
      'ec2:DescribeIamInstanceProfileAssociations': ['ec2-role-association'],
      'ec2:GetInstanceMetadataDefaults': ['ec2-account-defaults'],
    };
    for (const [action, ids] of Object.entries(needs)) {
      suite.world.endpoint.deny(action);
      const report = await doctor();
      suite.world.endpoint.allow(action);
      for (const id of ids) {
        const c = check(report, id as never);
        assert.equal(c.status, 'skip', `${id} without ${action}`);
        assert.match(c.summary, new RegExp(`no ${action} permission`));
      }
      for (const c of report.checks.filter((c) => c.id.startsWith('ec2-') && !ids.includes(c.id))) assert.notEqual(c.status, 'skip', `${c.id} still runs without ${action}`);
      assert.deepEqual(report.checks.filter((c) => !c.id.startsWith('ec2-')).map((c) => `${c.id}:${c.status}`), untouched);
    }
    for (const action of ['ec2:ModifyInstanceMetadataOptions', 'ec2:ModifyInstanceMetadataDefaults']) {
      suite.world.endpoint.deny(action);
      const fix = action.endsWith('Options') ? check(baseline, 'ec2-tokens').fix! : check(baseline, 'ec2-account-defaults').fix!;
      const outcome = await applyChange(api, fix, { confirm: async () => assert.fail('never asked without the permission') });
      assert.equal(outcome.status, 'refused');
      assert.equal(outcome.status === 'refused' && outcome.error.permission, action);
    }
    assert.equal(suite.world.emulator.imdsv2, 'optional');
    assert.deepEqual(await api.defaults(), {});
  });

  it('the account default: required while the instance allows IMDSv1 says why, and offers the instance change', async () => {
    const base = await doctor();
    const offer = check(base, 'ec2-account-defaults');
    assert.equal(offer.status, 'info');
    assert.equal(offer.fix?.kind, 'account-defaults');
    await applyChange(api, offer.fix!, yes);
    const report = await doctor();
    const defaults = check(report, 'ec2-account-defaults');
    assert.equal(defaults.status, 'warn');
    assert.match(defaults.summary, /launched before the default was set/);
    assert.equal(defaults.fix?.kind, 'instance-options');
    await api.modifyDefaults({ httpTokens: 'no-preference' });
  });

  it('a pending change says wait', async () => {
    suite.world.endpoint.setApplyDelay(60_000);
    try {
      await api.modifyOptions(suite.world.wired.instanceId, { httpProtocolIpv6: 'enabled' });
      const report = await doctor();
      assert.equal(check(report, 'ec2-settings').status, 'warn');
      assert.match(joined(check(report, 'ec2-settings')), /pending[\s\S]*Wait/);
    } finally {
      suite.world.endpoint.setApplyDelay(10);
      await api.modifyOptions(suite.world.wired.instanceId, { httpProtocolIpv6: 'disabled' });
      await suite.world.endpoint.settled();
    }
  });

  it('throttled EC2 calls are retried, and the checks still run', async () => {
    suite.world.endpoint.failNext('DescribeInstances', undefined, 2);
    const report = await doctor();
    assert.equal(check(report, 'ec2-settings').status, 'pass');
  });

  it('without credentials the EC2 checks are skipped with the reason', async () => {
    const report = await doctorOn(suite.world.emulator.url, home.dir, { ec2: { read: async () => { throw Object.assign(new Error('No AWS credentials found.'), { remedy: 'Configure credentials.' }); } } });
    for (const id of ['ec2-settings', 'ec2-tokens', 'ec2-role-association'] as const) {
      assert.equal(check(report, id).status, 'skip');
      assert.match(check(report, id).summary, /No AWS credentials found\. Configure credentials\./);
    }
    assert.equal(check(report, 'imdsv1').status, 'warn', 'the IMDS checks ran');
  });

  it('without the EC2 API, the emulator note says the fix is for a real instance', async () => {
    const report = await doctorOn(suite.world.emulator.url, home.dir);
    assert.equal(check(report, 'imdsv1').status, 'warn');
    assert.match(check(report, 'imdsv1').advice.join(' '), /This is the local emulator: the fix applies to a real instance/);
    assert.ok(!report.checks.some((c) => c.id === 'ec2-tokens' && c.status !== 'skip'), 'no EC2 comparison ran');
  });
});
