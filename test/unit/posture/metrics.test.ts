// Daily counts through GetMetricData against the local CloudWatch endpoint with the real SDK:
// 500 queries a call, pages merged, throttling retried, and the sums equal the fleet's series.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as cloudwatch from '@aws-sdk/client-cloudwatch';
import { fetchDailyCounts, postureWindow, type MetricRequest } from '../../../src/posture/metrics';
import { MetricStore, startCloudWatchEndpoint, type CloudWatchEndpoint } from '../../support/cloudwatchEndpoint';
import { loadFleetMetrics } from '../../support/fleet/cloudwatchLoad';
import { generateFleet, type Fleet } from '../../support/fleet/generate';

const NOW = new Date();

describe('posture metrics (GetMetricData)', () => {
  let fleet: Fleet;
  let endpoint: CloudWatchEndpoint;
  let client: cloudwatch.CloudWatchClient;
  const window = postureWindow(14, NOW);

  before(async () => {
    fleet = generateFleet({ instances: 1200, regions: ['eu-west-1'], seed: 7, now: NOW });
    const store = new MetricStore();
    loadFleetMetrics(store, fleet);
    endpoint = await startCloudWatchEndpoint({ store });
    client = new cloudwatch.CloudWatchClient({ region: 'eu-west-1', endpoint: endpoint.url, credentials: endpoint.credentials, maxAttempts: 4 });
  });
  after(async () => {
    client.destroy();
    await endpoint.close();
  });

  const requests = (): MetricRequest[] => fleet.instances.map((i) => ({ instanceId: i.instanceId, metric: 'MetadataNoToken' }));

  it('1,200 instances take ceil(1200/500) = 3 calls, and every count equals the series in the window', async () => {
    const calls = endpoint.countOf('GetMetricData');
    const counts = await fetchDailyCounts(cloudwatch, client, requests(), window);
    assert.equal(endpoint.countOf('GetMetricData') - calls, 3);
    assert.ok(endpoint.calls.slice(-3).every((c) => c.queries <= 500));
    assert.equal(counts.size, 1200);
    const firstDay = window.start.getTime() / 86_400_000;
    let withCalls = 0;
    for (const instance of fleet.instances) {
      const got = counts.get(`${instance.instanceId}/MetadataNoToken`)!;
      const series = instance.noToken;
      const inWindow = series ? series.values.filter((_, i) => series.firstDay + i >= firstDay) : [];
      assert.equal(got.daysWithData, inWindow.length, instance.instanceId);
      assert.equal(got.total, inWindow.reduce((a, b) => a + b, 0), instance.instanceId);
      if (got.total > 0) withCalls += 1;
    }
    assert.ok(withCalls > 50, 'the fleet has instances with tokenless calls');
  });

  it('follows NextToken when the answer is paged, and merges the pages by query Id', async () => {
    // 40 instances × up to 14 days > 100 datapoints: a page limit of 100 forces pages.
    const few = requests().slice(0, 40);
    const whole = await fetchDailyCounts(cloudwatch, client, few, window);
    const sent = client.send.bind(client);
    let pages = 0;
    const paged = { send: (command: cloudwatch.GetMetricDataCommand, options?: { abortSignal?: AbortSignal }) => {
      command.input.MaxDatapoints = 100;
      pages += 1;
      return sent(command, options);
    } } as unknown as cloudwatch.CloudWatchClient;
    const merged = await fetchDailyCounts(cloudwatch, paged, few, window);
    assert.ok(pages > 1, `more than one page (got ${pages})`);
    assert.deepEqual([...merged], [...whole]);
  });

  it('Throttling answers are retried with backoff and the result is complete', async () => {
    endpoint.failNext('GetMetricData', { code: 'Throttling', message: 'Rate exceeded' }, 2);
    const before = endpoint.countOf('GetMetricData', 400);
    const counts = await fetchDailyCounts(cloudwatch, client, requests().slice(0, 10), window);
    assert.equal(endpoint.countOf('GetMetricData', 400) - before, 2);
    assert.equal(counts.size, 10);
  });

  it('a cancelled fetch stops before the next call', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled by the test'));
    const calls = endpoint.countOf('GetMetricData');
    await assert.rejects(fetchDailyCounts(cloudwatch, client, requests(), window, { signal: controller.signal }), /cancelled by the test/);
    assert.equal(endpoint.countOf('GetMetricData'), calls);
  });
});
