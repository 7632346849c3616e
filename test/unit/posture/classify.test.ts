// Each class with the evidence a person reads, from MetadataOptions, state, launch time and sums.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify, type PostureWindow } from '../../../src/posture/classify';
import { postureWindow } from '../../../src/posture/metrics';
import type { MetadataOptions } from '../../../src/aws/ec2/types';
import type { DailyCounts, InventoryInstance } from '../../../src/posture/types';

const NOW = new Date('2026-12-03T09:00:00Z');
const window: PostureWindow = postureWindow(14, NOW);

function instance(patch: Partial<InventoryInstance> = {}, options: Partial<MetadataOptions> = {}): InventoryInstance {
  return {
    instanceId: 'i-0123456789abcdef0', region: 'eu-west-1', tags: {}, state: 'running', launchTime: '2025-01-01T00:00:00Z', instanceType: 't3.micro', platform: 'Linux/UNIX',
    ...patch,
    metadataOptions: { httpTokens: 'optional', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1, httpProtocolIpv6: 'disabled', instanceMetadataTags: 'disabled', state: 'applied', ...options },
  };
}

const quiet: DailyCounts = { daysWithData: 14, total: 0, nonZeroDays: [] };
const noisy: DailyCounts = { daysWithData: 14, total: 1234, nonZeroDays: [['2026-11-25', 1000], ['2026-12-01', 234]] };

describe('posture classification', () => {
  it('the window is 14 whole UTC days ending now', () => {
    assert.equal(window.start.toISOString(), '2026-11-20T00:00:00.000Z');
    assert.equal(window.end, NOW);
  });

  it('required: HttpTokens required, whatever the metric says about optional reads', () => {
    const c = classify(instance({}, { httpTokens: 'required' }), { noTokenRejected: { daysWithData: 14, total: 0, nonZeroDays: [] } }, window);
    assert.equal(c.class, 'required');
    assert.match(c.evidence, /HttpTokens is required/);
  });

  it('required with refused tokenless calls says so, with the count and days', () => {
    const c = classify(instance({}, { httpTokens: 'required' }), { noTokenRejected: { daysWithData: 14, total: 7, nonZeroDays: [['2026-12-02', 7]] } }, window);
    assert.equal(c.class, 'required');
    assert.match(c.evidence, /7 tokenless calls refused \(MetadataNoTokenRejected\) on 1 day \(2026-12-02\)/);
  });

  it('ready: optional, a full window of datapoints, all zero', () => {
    const c = classify(instance(), { noToken: quiet }, window);
    assert.equal(c.class, 'ready');
    assert.match(c.evidence, /MetadataNoToken was 0 on each of the 14 days with data in the last 14 days/);
  });

  it('needs work: optional with tokenless calls, with the count and the days they happened', () => {
    const c = classify(instance(), { noToken: noisy }, window);
    assert.equal(c.class, 'needs-work');
    assert.match(c.evidence, /1,234 tokenless calls .* on 2 days \(2026-11-25, 2026-12-01\)/);
  });

  it('needs work wins over "young": calls seen on a new instance are evidence enough', () => {
    const c = classify(instance({ launchTime: '2026-12-01T00:00:00Z' }), { noToken: noisy }, window);
    assert.equal(c.class, 'needs-work');
  });

  it('disabled: HttpEndpoint disabled, before anything else', () => {
    assert.equal(classify(instance({ state: 'stopped' }, { httpEndpoint: 'disabled' }), {}, window).class, 'disabled');
  });

  it('stopped: no metrics, never ready, and it says why', () => {
    const c = classify(instance({ state: 'stopped' }), { noToken: quiet }, window);
    assert.equal(c.class, 'stopped');
    assert.match(c.evidence, /publishes no metrics/);
  });

  it('no data: younger than the window', () => {
    const c = classify(instance({ launchTime: '2026-11-28T12:00:00Z' }), { noToken: { daysWithData: 6, total: 0, nonZeroDays: [] } }, window);
    assert.equal(c.class, 'no-data');
    assert.match(c.evidence, /4 days old, younger than the 14-day window/);
  });

  it('no data: the metric is missing', () => {
    for (const metrics of [{}, { noToken: { daysWithData: 0, total: 0, nonZeroDays: [] } }]) {
      const c = classify(instance(), metrics, window);
      assert.equal(c.class, 'no-data');
      assert.match(c.evidence, /no MetadataNoToken datapoint/);
    }
  });

  it('a change still being applied is named in the evidence', () => {
    assert.match(classify(instance({}, { httpTokens: 'required', state: 'pending' }), {}, window).evidence, /still being applied/);
  });

  it('more than five days name the last five, the earlier ones cut with an ellipsis', () => {
    const days: [string, number][] = Array.from({ length: 8 }, (_, i) => [`2026-11-2${i}`, 1]);
    const c = classify(instance(), { noToken: { daysWithData: 14, total: 8, nonZeroDays: days } }, window);
    assert.match(c.evidence, /on 8 days \(…, 2026-11-23, 2026-11-24, 2026-11-25, 2026-11-26, 2026-11-27\)/);
  });
});
