// Require IMDSv2 on a batch against the local EC2 endpoint with the real SDK: DryRun per instance,
// DryRun failures, partial failures, cancellation mid-batch, throttling retried with backoff, the
// pace kept, account defaults with their own confirmation, and a rollback that restores exactly
// the options each instance had.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Ec2Api } from '../../../src/aws/ec2/api';
import { applyEach, dryRunEach, REQUIRE_TOKENS, restoreEach, settableOptions, type EnforceTarget } from '../../../src/posture/enforce';
import { requireTokensByDefault, type FleetConnection } from '../../../src/posture/fleet';
import { entriesToRestore, newRollback, parseRollback, recordResults, restoreChange, restoreDefaultsChange } from '../../../src/posture/rollback';
import { FLEET_CREDENTIALS, startFleetWorld } from '../../support/fleet/world';
import { instanceRecord, type Ec2InstanceRecord } from '../../support/ec2/store';
import { useAwsWorld } from '../../support/awsWorld';

const REGION = 'eu-west-1';
const FAST = { pollMs: 30, waitTimeoutMs: 10_000, ratePerSecond: 1000, burst: 1000, backoffMs: 20 };

describe('enforce: Require IMDSv2 on a batch', () => {
  const suite = useAwsWorld(() => startFleetWorld({ instances: 0, regions: [REGION], seed: 1, applyDelayMs: 40 }));
  let fleet: FleetConnection;
  let records: Ec2InstanceRecord[];
  const apis: Ec2Api[] = [];
  /** Ec2Api without SDK retries, so this file's own backoff is what retries. */
  const bare = async () => {
    const api = await Ec2Api.connect({ region: REGION, endpoint: suite.world.ec2.url, credentials: FLEET_CREDENTIALS, maxAttempts: 1 });
    apis.push(api);
    return api;
  };

  before(async () => {
    fleet = await suite.world.connect();
  });
  after(() => {
    for (const api of apis) api.close();
  });

  beforeEach(async () => {
    await suite.world.ec2.settled();
    suite.world.ec2.clearFaults();
    // 12 instances with different options, so a rollback that put back defaults would show.
    records = Array.from({ length: 12 }, (_, i) => instanceRecord({
      instanceId: `i-0${i.toString(16).padStart(16, '0')}`,
      region: REGION,
      tags: { Name: `app-${i}` },
      metadataOptions: {
        httpTokens: 'optional',
        httpPutResponseHopLimit: 1 + (i % 3),
        httpEndpoint: 'enabled',
        httpProtocolIpv6: i % 2 ? 'enabled' : 'disabled',
        instanceMetadataTags: i % 4 ? 'disabled' : 'enabled',
        state: 'applied',
      },
    }));
    for (const r of suite.world.ec2.store.list(REGION)) suite.world.ec2.store.remove(REGION, r.instanceId);
    suite.world.ec2.store.put(...records.map((r) => structuredClone(r)));
  });

  const targets = (): EnforceTarget[] => records.map((r) => ({ instanceId: r.instanceId, region: REGION, name: r.tags.Name, before: settableOptions(r.metadataOptions) }));
  const optionsNow = (id: string) => suite.world.ec2.store.get(REGION, id)!.metadataOptions;

  it('phase 1 runs one DryRun per instance and changes nothing', async () => {
    const dry = suite.world.ec2.countOf('ModifyInstanceMetadataOptions', { dryRun: true });
    const results = await dryRunEach((r) => fleet.ec2(r), targets(), REQUIRE_TOKENS, FAST);
    assert.deepEqual(results.map((r) => r.outcome), Array(12).fill('dry-run-ok'));
    assert.equal(suite.world.ec2.countOf('ModifyInstanceMetadataOptions', { dryRun: true }) - dry, 12);
    assert.equal(suite.world.ec2.countOf('ModifyInstanceMetadataOptions', { dryRun: false }), 0);
    assert.ok(records.every((r) => optionsNow(r.instanceId).httpTokens === 'optional'));
  });

  it('DryRun failures name the missing permission and the remedy; nothing is changed', async () => {
    suite.world.ec2.deny('ec2:ModifyInstanceMetadataOptions');
    try {
      const results = await dryRunEach((r) => fleet.ec2(r), targets(), REQUIRE_TOKENS, FAST);
      assert.ok(results.every((r) => r.outcome === 'dry-run-failed'));
      assert.match(results[0].error ?? '', /not allowed to call ec2:ModifyInstanceMetadataOptions.*Add ec2:ModifyInstanceMetadataOptions/);
    } finally {
      suite.world.ec2.allow('ec2:ModifyInstanceMetadataOptions');
    }
    assert.ok(records.every((r) => optionsNow(r.instanceId).httpTokens === 'optional'));
  });

  it('phase 2 applies and waits for applied; a partial failure leaves the others done, one result each', async () => {
    suite.world.ec2.failNext('ModifyInstanceMetadataOptions', { code: 'IncorrectInstanceState', message: 'The instance is not in a valid state.', status: 400 }, 2);
    const results = await applyEach((r) => fleet.ec2(r), targets(), REQUIRE_TOKENS, { ...FAST, concurrency: 4 });
    assert.equal(results.length, 12);
    const failed = results.filter((r) => r.outcome === 'failed');
    assert.equal(failed.length, 2);
    assert.match(failed[0].error ?? '', /IncorrectInstanceState|must be running or stopped/);
    for (const result of results.filter((r) => r.outcome !== 'failed')) {
      assert.equal(result.outcome, 'applied');
      assert.deepEqual(optionsNow(result.instanceId).httpTokens, 'required');
      assert.equal(optionsNow(result.instanceId).state, 'applied');
      assert.equal(result.record?.change.kind, 'instance-options');
    }
    for (const result of failed) assert.equal(optionsNow(result.instanceId).httpTokens, 'optional');
  });

  it('cancelling mid-batch finishes the calls in flight and touches no other instance', async () => {
    const controller = new AbortController();
    const results = await applyEach((r) => fleet.ec2(r), targets(), REQUIRE_TOKENS, {
      ...FAST,
      concurrency: 2,
      signal: controller.signal,
      onResult: (_r, done) => {
        if (done === 3) controller.abort();
      },
    });
    await suite.world.ec2.settled();
    const changed = results.filter((r) => r.outcome === 'applied' || r.outcome === 'pending');
    const cancelled = results.filter((r) => r.outcome === 'cancelled');
    assert.ok(changed.length >= 3 && changed.length <= 5, `changed ${changed.length}`);
    assert.equal(changed.length + cancelled.length, 12);
    for (const r of records) {
      const wasChanged = changed.some((c) => c.instanceId === r.instanceId);
      assert.equal(optionsNow(r.instanceId).httpTokens, wasChanged ? 'required' : 'optional', r.instanceId);
    }
  });

  it('RequestLimitExceeded is retried with backoff until the change goes through', async () => {
    suite.world.ec2.failNext('ModifyInstanceMetadataOptions', undefined, 5); // the default allows 5 retries
    const one = targets().slice(0, 3);
    const results = await applyEach(() => bare(), one, REQUIRE_TOKENS, { ...FAST, concurrency: 1 });
    assert.deepEqual(results.map((r) => r.outcome), ['applied', 'applied', 'applied']);
    assert.equal(results.reduce((sum, r) => sum + r.attempts, 0), 3 + 5);
    assert.equal(suite.world.ec2.calls.filter((c) => c.error === 'RequestLimitExceeded').length >= 5, true);
  });

  it('gives up on an instance after the retries, with the remedy, and goes on with the rest', async () => {
    suite.world.ec2.failNext('ModifyInstanceMetadataOptions', undefined, 3);
    const results = await applyEach(() => bare(), targets().slice(0, 2), REQUIRE_TOKENS, { ...FAST, concurrency: 1, maxThrottleRetries: 2 });
    assert.equal(results[0].outcome, 'failed');
    assert.match(results[0].error ?? '', /throttling .*wait a minute/i);
    assert.equal(results[1].outcome, 'applied');
  });

  it('keeps below the pace it is given (calls spread by the token bucket)', async () => {
    const rate = 40;
    const burst = 3;
    const startedAt = Date.now();
    await dryRunEach((r) => fleet.ec2(r), targets(), REQUIRE_TOKENS, { ratePerSecond: rate, burst, concurrency: 8 });
    const times = suite.world.ec2.calls.filter((c) => c.operation === 'ModifyInstanceMetadataOptions' && c.at >= startedAt).map((c) => c.at).sort((a, b) => a - b);
    assert.equal(times.length, 12);
    // The k-th call cannot come before (k - burst) / rate seconds after the start.
    times.forEach((at, k) => assert.ok(at - startedAt >= ((k + 1 - burst) / rate) * 1000 - 5, `call ${k} at +${at - startedAt} ms`));
  });

  it('the rollback file restores exactly the options each instance had', async () => {
    const list = targets();
    const file = newRollback(list, REQUIRE_TOKENS, 'test');
    const results = await applyEach((r) => fleet.ec2(r), list, REQUIRE_TOKENS, FAST);
    recordResults(file, results);
    assert.ok(records.every((r) => optionsNow(r.instanceId).httpTokens === 'required'));
    const reread = parseRollback(JSON.stringify(file));
    const changes = entriesToRestore(reread).map((e) => restoreChange(reread, e));
    assert.equal(changes.length, 12);
    const restored = await restoreEach((r) => fleet.ec2(r), changes, FAST);
    assert.ok(restored.every((r) => r.outcome === 'applied'), JSON.stringify(restored.filter((r) => r.outcome !== 'applied')));
    for (const r of records) assert.deepEqual(optionsNow(r.instanceId), r.metadataOptions, r.instanceId);
    recordResults(reread, restored, true);
    assert.equal(entriesToRestore(reread).length, 0);
  });

  it('a rollback file that is not one is refused with what to use instead', () => {
    assert.throws(() => parseRollback('{"kind":"imds-posture"}'), /not an IMDS rollback file/);
    assert.throws(() => parseRollback('nope'), /not JSON/);
    assert.throws(() => parseRollback(JSON.stringify({ kind: 'imds-rollback', version: 1, change: {}, defaults: [], instances: [{ region: REGION, instanceId: 'x', before: {} }] })), /entry 1 needs/);
  });

  it('account defaults go through the same path with their own confirmation, and roll back', async () => {
    suite.world.ec2.store.setDefaults(REGION, {});
    let asked = '';
    const declined = await requireTokensByDefault(fleet, REGION, { confirm: async (change) => ((asked = JSON.stringify(change.after)), false) });
    assert.equal(declined.status, 'declined');
    assert.equal(asked, '{"httpTokens":"required"}');
    assert.deepEqual(suite.world.ec2.store.defaults(REGION), {});
    const made = await requireTokensByDefault(fleet, REGION, { confirm: async () => true });
    assert.equal(made.status, 'made');
    assert.equal(suite.world.ec2.store.defaults(REGION).httpTokens, 'required');
    if (made.status !== 'made') return;
    const file = parseRollback(JSON.stringify({ ...newRollback([], REQUIRE_TOKENS), defaults: [{ region: REGION, record: made.record, status: 'applied' }] }));
    const api = await fleet.ec2(REGION);
    const { applyChange } = await import('../../../src/aws/ec2/change');
    const undone = await applyChange(api, restoreDefaultsChange(file.defaults[0]), { confirm: async () => true });
    assert.equal(undone.status, 'made');
    assert.equal(suite.world.ec2.store.defaults(REGION).httpTokens, undefined);
  });
});
