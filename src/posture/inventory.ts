// The fleet inventory: per Region, every instance (DescribeInstances, 1,000 a page), the account's
// metadata defaults, and one metric query per instance; then each instance classified. A page's
// metrics are fetched while the next page is read, and its rows are handed out as soon as they are
// classified (the view shows the first rows before the last Region answers). A Region that fails
// becomes an error entry; the others still report.
import { classify, type PostureWindow } from './classify';
import { postureWindow, type ImdsMetric, type MetricFetchOptions, type MetricRequest } from './metrics';
import { emptyCounts, type AccountDefaults, type DailyCounts, type InventoryInstance, type PostureInstance, type PostureReport, type RegionPosture } from './types';

/** The EC2 reads the inventory needs; the EC2 room provides them (src/aws/ec2). */
export interface PostureEc2Reader {
  /** One DescribeInstances page of up to 1,000 instances. */
  describeInstancesPage(region: string, nextToken: string | undefined, signal?: AbortSignal): Promise<{ instances: InventoryInstance[]; nextToken?: string }>;
  getMetadataDefaults(region: string, signal?: AbortSignal): Promise<AccountDefaults>;
  /** Regions enabled for the account (opt-in not required, or opted in). */
  enabledRegions(signal?: AbortSignal): Promise<string[]>;
}

export interface PostureSources {
  ec2: PostureEc2Reader;
  /** Daily counts keyed `instanceId/metric` for the requests, from the Region's CloudWatch. */
  dailyCounts(region: string, requests: MetricRequest[], window: PostureWindow, options: MetricFetchOptions): Promise<Map<string, DailyCounts>>;
  /** Turns an SDK error into one line with a remedy. */
  describeError?(error: unknown): string;
}

export interface InventoryOptions {
  /** Region names, or 'all' for every enabled Region. */
  regions: string[] | 'all';
  days?: number;
  profile?: string;
  now?: Date;
  signal?: AbortSignal;
  /** Regions read at once (default 4). */
  regionConcurrency?: number;
  /** Rows of one page, classified, as soon as they are. */
  onRows?: (region: string, rows: PostureInstance[]) => void;
  onCall?: (kind: 'DescribeInstances' | 'GetInstanceMetadataDefaults' | 'GetMetricData' | 'DescribeRegions') => void;
}

/** A bound on pages per Region (1,000 instances each): a million instances. */
const MAX_PAGES = 1000;
const GONE_STATES = new Set(['terminated', 'shutting-down']);

/** The metric that can change the instance's class, or none (IMDS off, or nothing running to report). */
function metricFor(instance: InventoryInstance): ImdsMetric | undefined {
  if (instance.metadataOptions?.httpEndpoint === 'disabled') return undefined;
  if (instance.state !== 'running' && instance.state !== 'pending') return undefined;
  return instance.metadataOptions?.httpTokens === 'required' ? 'MetadataNoTokenRejected' : 'MetadataNoToken';
}

async function readRegion(sources: PostureSources, region: string, window: PostureWindow, options: InventoryOptions): Promise<RegionPosture> {
  const posture: RegionPosture = { region, counts: emptyCounts(), instances: [] };
  const defaults = sources.ec2.getMetadataDefaults(region, options.signal).then((value) => {
    options.onCall?.('GetInstanceMetadataDefaults');
    return value;
  });
  defaults.catch(() => undefined); // awaited at the end
  const classified: Promise<void>[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await sources.ec2.describeInstancesPage(region, nextToken, options.signal);
    options.onCall?.('DescribeInstances');
    const instances = answer.instances.filter((i) => !GONE_STATES.has(i.state));
    const requests = instances.flatMap((instance) => {
      const metric = metricFor(instance);
      return metric ? [{ instanceId: instance.instanceId, metric }] : [];
    });
    // The page's metrics load while the next page is read.
    const job = (async () => {
      const counts = requests.length
        ? await sources.dailyCounts(region, requests, window, { signal: options.signal, onCall: () => options.onCall?.('GetMetricData') })
        : new Map<string, DailyCounts>();
      const rows = instances.map((instance): PostureInstance => {
        const noToken = counts.get(`${instance.instanceId}/MetadataNoToken`);
        const noTokenRejected = counts.get(`${instance.instanceId}/MetadataNoTokenRejected`);
        const metrics = { ...(noToken ? { noToken } : {}), ...(noTokenRejected ? { noTokenRejected } : {}) };
        return { ...instance, ...metrics, ...classify(instance, metrics, window) };
      });
      for (const row of rows) {
        posture.counts[row.class] += 1;
        posture.instances.push(row);
      }
      options.onRows?.(region, rows);
    })();
    job.catch(() => undefined); // awaited below; this keeps a failure during the next page from going unhandled
    classified.push(job);
    nextToken = answer.nextToken;
    if (!nextToken) break;
  }
  if (nextToken) throw new Error(`More than ${MAX_PAGES * 1000} instances in ${region}: the inventory stops there.`);
  await Promise.all(classified);
  posture.defaults = await defaults;
  return posture;
}

export async function takeInventory(sources: PostureSources, options: InventoryOptions): Promise<PostureReport> {
  const days = options.days ?? 14;
  if (!Number.isInteger(days) || days < 1 || days > 455) throw new Error(`--days must be a whole number from 1 to 455 (CloudWatch keeps daily data 455 days); got ${days}.`);
  const window = postureWindow(days, options.now);
  let regions: string[];
  if (options.regions === 'all') {
    regions = await sources.ec2.enabledRegions(options.signal);
    options.onCall?.('DescribeRegions');
  } else {
    regions = [...new Set(options.regions)];
  }
  if (!regions.length) throw new Error('No Region to read: give --regions a,b or --regions all, or set a Region in the profile.');
  const results: RegionPosture[] = new Array(regions.length);
  let next = 0;
  const worker = async () => {
    while (next < regions.length) {
      const index = next++;
      const region = regions[index];
      try {
        results[index] = await readRegion(sources, region, window, options);
      } catch (error) {
        options.signal?.throwIfAborted();
        const message = sources.describeError?.(error) ?? (error instanceof Error ? error.message : String(error));
        results[index] = { region, error: message, counts: emptyCounts(), instances: [] };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.regionConcurrency ?? 4, regions.length) }, worker));
  return {
    kind: 'imds-posture',
    version: 1,
    generatedAt: (options.now ?? new Date()).toISOString(),
    ...(options.profile ? { profile: options.profile } : {}),
    days,
    windowStart: window.start.toISOString(),
    windowEnd: window.end.toISOString(),
    regions: results,
  };
}
