// The one account-change path (src/aws/ec2/change.ts) against the local EC2 endpoint wired to the
// emulator: DryRun first, the caller's confirmation, the change, the wait for `applied` (bounded,
// cancellable), the record, and Undo from it.
import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import type { Ec2Api } from '../../../src/aws/ec2/api';
import { applyChange, describeChange, undoOf, type AccountChange, type ChangeStep } from '../../../src/aws/ec2/change';
import { startEc2World } from '../../support/ec2/world';
import { useAwsWorld } from '../../support/awsWorld';

describe('applyChange: DryRun → confirm → apply → applied → record → undo', () => {
  const suite = useAwsWorld(() => startEc2World());
  let api: Ec2Api;

  before(async () => {
    api = await suite.world.api();
  });
  beforeEach(() => {
    suite.world.endpoint.allow('ec2:ModifyInstanceMetadataOptions');
    suite.world.endpoint.setApplyDelay(200);
  });

  const tokensRequired = (): AccountChange => ({
    kind: 'instance-options', instanceId: suite.world.wired.instanceId, name: 'imds-explorer-demo', region: suite.world.wired.region, profile: 'dev',
    before: { httpTokens: 'optional' }, after: { httpTokens: 'required' },
  });

  it('describes the exact change: target, Region, profile, before → after', () => {
    assert.equal(describeChange(tokensRequired()),
      'Change instance imds-explorer-demo (i-0123456789abcdef0) in us-east-1, profile dev:\n  HttpTokens: optional → required');
  });

  it('makes the change only after DryRun and the confirmation, waits for applied, and undoes it', async () => {
    const steps: ChangeStep[] = [];
    let confirmedAfterDryRun = false;
    const outcome = await applyChange(api, tokensRequired(), {
      confirm: async () => {
        confirmedAfterDryRun = suite.world.endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: true }) === 1 && suite.world.endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: false }) === 0;
        return true;
      },
      onProgress: (step) => steps.push(step),
      pollMs: 50,
    });
    assert.ok(confirmedAfterDryRun, 'the confirmation came after the DryRun and before the change');
    assert.equal(outcome.status, 'made');
    assert.ok(outcome.status === 'made');
    assert.equal(outcome.record.state, 'applied');
    assert.equal((outcome.record.observed as { httpTokens: string }).httpTokens, 'required');
    assert.deepEqual([...new Set(steps)], ['dry-run', 'confirm', 'apply', 'wait']);
    assert.equal(suite.world.emulator.imdsv2, 'required', 'the emulated instance requires tokens now');

    const undo = undoOf(outcome.record);
    assert.deepEqual(undo.after, { httpTokens: 'optional' });
    assert.deepEqual(undo.before, { httpTokens: 'required' });
    const back = await applyChange(api, undo, { confirm: async () => true, pollMs: 50 });
    assert.equal(back.status, 'made');
    assert.equal(suite.world.emulator.imdsv2, 'optional');
  });

  it('changes nothing when the confirmation is declined', async () => {
    const before = suite.world.endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: false });
    const outcome = await applyChange(api, tokensRequired(), { confirm: async () => false });
    assert.equal(outcome.status, 'declined');
    assert.equal(suite.world.endpoint.countOf('ModifyInstanceMetadataOptions', { dryRun: false }), before);
    assert.equal(suite.world.emulator.imdsv2, 'optional');
  });

  it('stops at the DryRun when the permission is missing, naming it, and never asks', async () => {
    suite.world.endpoint.deny('ec2:ModifyInstanceMetadataOptions');
    let asked = false;
    const outcome = await applyChange(api, tokensRequired(), { confirm: async () => (asked = true) });
    assert.equal(outcome.status, 'refused');
    assert.equal(outcome.status === 'refused' && outcome.error.permission, 'ec2:ModifyInstanceMetadataOptions');
    assert.equal(asked, false);
    assert.equal(suite.world.emulator.imdsv2, 'optional');
  });

  it('bounds the wait, and a cancelled wait still returns the record (the change was made)', async () => {
    suite.world.endpoint.setApplyDelay(60_000);
    const timedOut = await applyChange(api, tokensRequired(), { confirm: async () => true, waitTimeoutMs: 300, pollMs: 50 });
    assert.equal(timedOut.status, 'made');
    assert.ok(timedOut.status === 'made' && timedOut.record.state === 'pending' && /pending/i.test(timedOut.note ?? ''));

    const controller = new AbortController();
    const cancelled = applyChange(api, { ...tokensRequired(), after: { httpPutResponseHopLimit: 2 }, before: { httpPutResponseHopLimit: 1 } }, {
      confirm: async () => true,
      pollMs: 50,
      signal: controller.signal,
      onProgress: (step) => {
        if (step === 'wait') controller.abort();
      },
    });
    const outcome = await cancelled;
    assert.ok(outcome.status === 'made' && outcome.record.state === 'pending' && /stopped waiting/i.test(outcome.note ?? ''));
    suite.world.endpoint.setApplyDelay(10);
    // Undo both while they are pending: the last change wins once applied.
    await applyChange(api, { ...tokensRequired(), before: { httpTokens: 'required', httpPutResponseHopLimit: 2 }, after: { httpTokens: 'optional', httpPutResponseHopLimit: 1 } }, { confirm: async () => true, pollMs: 20 });
    assert.equal(suite.world.emulator.imdsv2, 'optional');
    assert.equal(suite.world.emulator.faults.hopLimit, 1);
  });

  it('changes the account default through the same path, and undoes it to no preference', async () => {
    const outcome = await applyChange(api, { kind: 'account-defaults', region: suite.world.wired.region, before: {}, after: { httpTokens: 'required' } }, { confirm: async () => true });
    assert.ok(outcome.status === 'made');
    assert.deepEqual(outcome.record.observed, { httpTokens: 'required' });
    const undo = undoOf(outcome.record);
    assert.deepEqual(undo.after, { httpTokens: 'no-preference' });
    const back = await applyChange(api, undo, { confirm: async () => true });
    assert.ok(back.status === 'made');
    assert.deepEqual(await api.defaults(), {});
  });
});
