// The local CloudWatch endpoint against clients nobody here wrote: @aws-sdk/client-cloudwatch
// (awsJson1_0, query-compatible), Debian's aws-cli 2.9 (awsQuery) and, when installed, a newer
// botocore aws-cli (rpc-v2-cbor). Same datapoints whichever protocol asked.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { DAY_SECONDS, MetricStore, startCloudWatchEndpoint, type CloudWatchEndpoint } from '../../support/cloudwatchEndpoint';

const REGION = 'eu-west-1';
const INSTANCE = 'i-0123456789abcdef0';
const today = Math.floor(Date.now() / 1000 / DAY_SECONDS);
// Day d (0 = 20 days ago) holds d % 3.
const VALUES = Array.from({ length: 21 }, (_, d) => d % 3);

function query(id: string, metric = 'MetadataNoToken', instanceId = INSTANCE): MetricDataQuery {
  return { Id: id, MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: metric, Dimensions: [{ Name: 'InstanceId', Value: instanceId }] }, Period: 86400, Stat: 'Sum' } };
}

function runCli(binary: string, url: string, credentials: { accessKeyId: string; secretAccessKey: string }, home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(binary, ['cloudwatch', 'get-metric-data', '--endpoint-url', url, '--output', 'json', ...args], {
      env: {
        PATH: process.env.PATH, HOME: home, AWS_CONFIG_FILE: path.join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
        AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, AWS_DEFAULT_REGION: REGION,
        AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '',
      },
      timeout: 60_000,
    }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe('local CloudWatch endpoint', () => {
  let endpoint: CloudWatchEndpoint;
  let client: CloudWatchClient;
  let home: string;
  const start = new Date((today - 6) * DAY_SECONDS * 1000);
  const end = new Date((today + 1) * DAY_SECONDS * 1000);
  const expected = VALUES.slice(14); // days today-6 … today

  before(async () => {
    const store = new MetricStore();
    store.put({ region: REGION, namespace: 'AWS/EC2', metricName: 'MetadataNoToken', dimensions: { InstanceId: INSTANCE } }, { firstDay: today - 20, values: VALUES });
    endpoint = await startCloudWatchEndpoint({ store, regions: [REGION, 'us-east-1'] });
    client = new CloudWatchClient({ region: REGION, endpoint: endpoint.url, credentials: endpoint.credentials, maxAttempts: 3 });
    home = mkdtempSync(path.join(tmpdir(), 'cw-endpoint-'));
  });
  after(async () => {
    client.destroy();
    await endpoint.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('answers the JS SDK (awsJson1_0, query-compatible) with the daily sums, ascending when asked', async () => {
    const out = await client.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, ScanBy: 'TimestampAscending', MetricDataQueries: [query('m0')] }));
    const [result] = out.MetricDataResults ?? [];
    assert.equal(result.Id, 'm0');
    assert.equal(result.StatusCode, 'Complete');
    assert.deepEqual(result.Values, expected);
    assert.deepEqual(result.Timestamps?.map((t) => t.getTime() / 1000), expected.map((_, i) => (today - 6 + i) * DAY_SECONDS));
    assert.equal(endpoint.calls.at(-1)?.protocol, 'json');
  });

  it('an instance without the metric gets an empty, complete result (as CloudWatch answers)', async () => {
    const out = await client.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: [query('m0', 'MetadataNoToken', 'i-00000000000000000')] }));
    assert.deepEqual(out.MetricDataResults?.[0].Values, []);
    assert.equal(out.MetricDataResults?.[0].StatusCode, 'Complete');
  });

  it('pages by MaxDatapoints with NextToken; the pages add up to the whole series', async () => {
    const queries = [query('a'), query('b')];
    const seen: Record<string, number[]> = { a: [], b: [] };
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await client.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MaxDatapoints: 5, ScanBy: 'TimestampAscending', MetricDataQueries: queries, NextToken: token }));
      for (const r of out.MetricDataResults ?? []) seen[r.Id!].push(...(r.Values ?? []));
      token = out.NextToken;
      pages += 1;
    } while (token && pages < 10);
    assert.equal(pages, 3); // 14 datapoints, 5 a page
    assert.deepEqual(seen, { a: expected, b: expected });
  });

  it('refuses more than 500 queries, a bad Id and a bad NextToken with CloudWatch\'s error codes', async () => {
    const many = Array.from({ length: 501 }, (_, i) => query(`m${i}`));
    await assert.rejects(client.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: many })),
      (e: Error & { Code?: string }) => e.Code === 'InvalidParameterValue' && /greater than 500/.test(e.message));
    await assert.rejects(client.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: [query('Bad')] })),
      (e: Error & { Code?: string }) => e.Code === 'InvalidParameterValue');
    await assert.rejects(client.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, NextToken: 'nope', MetricDataQueries: [query('m0')] })),
      (e: Error & { Code?: string }) => e.Code === 'InvalidNextToken');
  });

  it('checks SigV4: a wrong secret and a Region it does not serve are refused', async () => {
    const wrong = new CloudWatchClient({ region: REGION, endpoint: endpoint.url, credentials: { ...endpoint.credentials, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    await assert.rejects(wrong.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: [query('m0')] })),
      (e: Error & { Code?: string }) => e.Code === 'SignatureDoesNotMatch');
    const elsewhere = new CloudWatchClient({ region: 'ap-south-1', endpoint: endpoint.url, credentials: endpoint.credentials, maxAttempts: 1 });
    await assert.rejects(elsewhere.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: [query('m0')] })), /scoped to a valid region/);
    wrong.destroy();
    elsewhere.destroy();
  });

  it('throttles on demand; the SDK retries Throttling and gets the answer', async () => {
    const before = endpoint.countOf('GetMetricData', 400);
    endpoint.failNext('GetMetricData', undefined, 2);
    const out = await client.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: [query('m0')] }));
    assert.equal(out.MetricDataResults?.[0].Values?.length, 7);
    assert.equal(endpoint.countOf('GetMetricData', 400) - before, 2);
  });

  it('a request-rate limit answers Throttling past the limit', async () => {
    endpoint.setRequestsPerSecond(2);
    const once = new CloudWatchClient({ region: REGION, endpoint: endpoint.url, credentials: endpoint.credentials, maxAttempts: 1 });
    const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => once.send(new GetMetricDataCommand({ StartTime: start, EndTime: end, MetricDataQueries: [query('m0')] }))));
    endpoint.setRequestsPerSecond(undefined);
    once.destroy();
    const throttled = outcomes.filter((o) => o.status === 'rejected' && (o.reason as { Code?: string }).Code === 'Throttling');
    assert.ok(throttled.length >= 3, `at least 3 of 5 throttled, got ${throttled.length}`);
  });

  // The aws on PATH (e.g. a pip-installed aws-cli 1.x whose botocore speaks rpc-v2-cbor), when it is another one.
  const onPath = spawnSync('sh', ['-c', 'command -v aws'], { encoding: 'utf8' }).stdout.trim();
  const clis = [
    { name: "Debian's aws-cli (awsQuery)", binary: '/usr/bin/aws', skip: existsSync('/usr/bin/aws') ? false : '/usr/bin/aws not installed (scripts/setup-deps.sh installs it)' },
    { name: `the aws-cli on PATH (${onPath || 'none'})`, binary: onPath, skip: onPath && !onPath.startsWith('/usr/bin/') ? false : 'no other aws-cli on PATH' },
  ];
  for (const cli of clis) {
    it(`answers ${cli.name}`, { skip: cli.skip }, async () => {
      const args = ['--metric-data-queries', JSON.stringify([query('m0')]), '--start-time', start.toISOString(), '--end-time', end.toISOString(), '--scan-by', 'TimestampAscending'];
      const { code, stdout, stderr } = await runCli(cli.binary, endpoint.url, endpoint.credentials, home, args);
      assert.equal(code, 0, stderr);
      const out = JSON.parse(stdout) as { MetricDataResults: { Id: string; Values: number[] }[] };
      assert.deepEqual(out.MetricDataResults[0].Values, expected);
      if (cli.binary === '/usr/bin/aws') assert.equal(endpoint.calls.at(-1)?.protocol, 'query');
    });
  }
});
