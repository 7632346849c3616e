// Cancelling a fleet snapshot ("Compare SSM Fleet…" progress notification): the wait stops, every
// instance's invocation is cancelled on the service, and each result says Cancelled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { snapshotFleet } from '../../../src/sources/ssm/instances';
import { startSsmEndpoint, type SsmEndpoint } from '../../support/ssmEndpoint';
import { isolateAwsEnvironment, REGION, type IsolatedAws } from '../../support/ssm/fixtures';

const FLEET = ['i-0f00000000000c001', 'i-0f00000000000c002'];

describe('fleet snapshot: cancelled by its signal', () => {
  let aws: IsolatedAws;
  let endpoint: SsmEndpoint;

  before(async () => {
    aws = isolateAwsEnvironment();
    // The agents take a minute to pick the command up: it is still Pending when cancelled.
    endpoint = await startSsmEndpoint({ instances: FLEET.map((instanceId) => ({ instanceId, executionDelayMs: 60_000 })) });
  });
  after(async () => {
    await endpoint.close();
    aws.restore();
  });

  it('stops waiting, cancels every invocation and reports each instance as Cancelled', async () => {
    const controller = new AbortController();
    const pending = new Set<string>();
    const result = await snapshotFleet({
      region: REGION,
      endpoint: endpoint.url,
      credentials: endpoint.credentials,
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
    assert.ok(endpoint.countOf('CancelCommand') >= 1, 'the command was cancelled on the service');
    const invocations = endpoint.invocations().filter((i) => FLEET.includes(i.instanceId));
    assert.equal(invocations.length, FLEET.length);
    assert.deepEqual(invocations.map((i) => i.status), ['Cancelled', 'Cancelled'], 'no invocation is left to run');
  });
});
