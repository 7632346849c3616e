// Cancelling a fleet snapshot ("Compare SSM Fleet…" progress notification): the wait stops, every
// instance's invocation is cancelled on the service, and each result says Cancelled.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { snapshotFleet } from '../../../src/sources/ssm/instances';
import { startSsmEndpoint } from '../../support/ssmEndpoint';
import { REGION } from '../../support/ssm/fixtures';
import { useAwsWorld } from '../../support/awsWorld';

const FLEET = ['i-0f00000000000c001', 'i-0f00000000000c002'];

describe('fleet snapshot: cancelled by its signal', () => {
  const suite = useAwsWorld(() => startSsmEndpoint({ instances: FLEET.map((instanceId) => ({ instanceId, executionDelayMs: 60_000 })) }));
  // The agents take a minute to pick the command up: it is still Pending when cancelled.

  it('stops waiting, cancels every invocation and reports each instance as Cancelled', async () => {
    const controller = new AbortController();
    const pending = new Set<string>();
    const result = await snapshotFleet({
      region: REGION,
      endpoint: suite.world.url,
      credentials: suite.world.credentials,
      instanceIds: FLEET,
      signal: controller.signal,
      onProgress: (instanceId, state) => {
        if (state === 'pending') pending.add(instanceId);
        if (pending.size === FLEET.length) controller.abort();
      },
    });
    assert.equal(result.results.length, FLEET.length);
    for (const r of result.results) {
      assert.equal(r.snapshot, undefined);
      assert.equal((r.error as { code?: string } | undefined)?.code, 'Cancelled', r.error?.message);
    }
    assert.ok(suite.world.countOf('CancelCommand') >= 1, 'the command was cancelled on the service');
    const invocations = suite.world.invocations().filter((i) => FLEET.includes(i.instanceId));
    assert.equal(invocations.length, FLEET.length);
    assert.deepEqual(invocations.map((i) => i.status), ['Cancelled', 'Cancelled'], 'no invocation is left to run');
  });
});
