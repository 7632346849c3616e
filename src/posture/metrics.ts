// Daily sums of the IMDS metrics per instance through GetMetricData: one query per instance (the
// metric that can change its class), 500 queries a call, pages followed by NextToken and merged by
// query Id. Throttling is retried by the SDK's standard retry (maxAttempts on the client).
import type { CloudWatchClient, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { PostureWindow } from './classify';
import type { DailyCounts } from './types';

/** The one CloudWatch command used (named, so the bundle keeps only it). */
export type CloudWatchSdk = Pick<typeof import('@aws-sdk/client-cloudwatch'), 'GetMetricDataCommand'>;

export type ImdsMetric = 'MetadataNoToken' | 'MetadataNoTokenRejected';

export interface MetricRequest {
  instanceId: string;
  metric: ImdsMetric;
}

export interface MetricFetchOptions {
  signal?: AbortSignal;
  /** Calls in flight at once (default 4; CloudWatch allows 50 GetMetricData a second per Region). */
  concurrency?: number;
  /** Called after each GetMetricData answer (benchmarks count calls). */
  onCall?: () => void;
}

/** GetMetricData's documented limit. */
export const MAX_QUERIES_PER_CALL = 500;
/** A bound on pages per call: 500 daily series of a year fit in 2 pages of 100,800 datapoints. */
const MAX_PAGES = 50;

export const DAY_MS = 86_400_000;

/** The window of N whole UTC days ending today (today's partial day included). */
export function postureWindow(days: number, now = new Date()): PostureWindow {
  const todayStart = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return { start: new Date(todayStart - (days - 1) * DAY_MS), end: now, days };
}

function countsFrom(timestamps: Date[], values: number[]): DailyCounts {
  const days = new Map<string, number>();
  timestamps.forEach((time, i) => {
    const day = time.toISOString().slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + (values[i] ?? 0));
  });
  let total = 0;
  const nonZeroDays: [string, number][] = [];
  for (const [day, value] of [...days].sort(([a], [b]) => (a < b ? -1 : 1))) {
    total += value;
    if (value > 0) nonZeroDays.push([day, value]);
  }
  return { daysWithData: days.size, total, nonZeroDays };
}

async function fetchChunk(
  sdk: CloudWatchSdk,
  client: CloudWatchClient,
  chunk: MetricRequest[],
  window: PostureWindow,
  options: MetricFetchOptions,
): Promise<Map<string, DailyCounts>> {
  const timestamps = new Map<string, Date[]>();
  const values = new Map<string, number[]>();
  const queries = chunk.map((request, index) => ({
    Id: `m${index}`,
    ReturnData: true,
    MetricStat: {
      Metric: { Namespace: 'AWS/EC2', MetricName: request.metric, Dimensions: [{ Name: 'InstanceId', Value: request.instanceId }] },
      Period: 86_400,
      Stat: 'Sum',
    },
  }));
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const output: GetMetricDataCommandOutput = await client.send(
      new sdk.GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: window.start,
        EndTime: window.end,
        ScanBy: 'TimestampAscending',
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
      { abortSignal: options.signal },
    );
    options.onCall?.();
    for (const result of output.MetricDataResults ?? []) {
      if (!result.Id) continue;
      timestamps.set(result.Id, [...(timestamps.get(result.Id) ?? []), ...(result.Timestamps ?? [])]);
      values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])]);
    }
    nextToken = output.NextToken;
    if (!nextToken) break;
  }
  if (nextToken) throw new Error(`GetMetricData still had pages after ${MAX_PAGES}; the window is too long for the local bound.`);
  const counts = new Map<string, DailyCounts>();
  chunk.forEach((request, index) => {
    const id = `m${index}`;
    counts.set(`${request.instanceId}/${request.metric}`, countsFrom(timestamps.get(id) ?? [], values.get(id) ?? []));
  });
  return counts;
}

/**
 * Daily counts keyed `instanceId/metric`. Every requested instance gets an entry: daysWithData 0
 * when CloudWatch holds nothing for it in the window.
 */
export async function fetchDailyCounts(
  sdk: CloudWatchSdk,
  client: CloudWatchClient,
  requests: MetricRequest[],
  window: PostureWindow,
  options: MetricFetchOptions = {},
): Promise<Map<string, DailyCounts>> {
  const chunks: MetricRequest[][] = [];
  for (let i = 0; i < requests.length; i += MAX_QUERIES_PER_CALL) chunks.push(requests.slice(i, i + MAX_QUERIES_PER_CALL));
  const merged = new Map<string, DailyCounts>();
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      options.signal?.throwIfAborted();
      const chunk = chunks[next++];
      for (const [key, counts] of await fetchChunk(sdk, client, chunk, window, options)) merged.set(key, counts);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, chunks.length) }, worker));
  return merged;
}
