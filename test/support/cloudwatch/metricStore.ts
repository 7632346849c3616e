// Daily metric series the local CloudWatch endpoint serves. EC2 publishes MetadataNoToken only while
// an instance runs, so a series is a run of days with values (zeros included) and nothing outside it:
// a stopped or brand-new instance simply has fewer datapoints, as in CloudWatch.
import { CloudWatchError } from './wire';

export const DAY_SECONDS = 86_400;

export interface DailySeries {
  /** UTC day index (epoch seconds / 86400) of values[0]. */
  firstDay: number;
  /** One value per day (the day's Sum; one sample per day). */
  values: number[];
}

export interface MetricKey {
  region: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
}

export interface Datapoints {
  timestamps: number[];
  values: number[];
}

const STATS = new Set(['Sum', 'Average', 'Maximum', 'Minimum', 'SampleCount']);

function keyOf({ region, namespace, metricName, dimensions }: MetricKey): string {
  const dims = Object.keys(dimensions).sort().map((name) => `${name}=${dimensions[name]}`).join(',');
  return `${region}|${namespace}|${metricName}|${dims}`;
}

export class MetricStore {
  private readonly series = new Map<string, DailySeries>();

  put(key: MetricKey, series: DailySeries): void {
    this.series.set(keyOf(key), series);
  }

  get(key: MetricKey): DailySeries | undefined {
    return this.series.get(keyOf(key));
  }

  get size(): number {
    return this.series.size;
  }

  /**
   * Datapoints of `key` for [startSec, endSec) in buckets of `periodSec` aligned to UTC days, as
   * GetMetricData returns them (buckets without data are left out). Undefined when no such metric.
   */
  query(key: MetricKey, startSec: number, endSec: number, periodSec: number, stat: string): Datapoints | undefined {
    if (!STATS.has(stat)) throw new CloudWatchError('InvalidParameterValue', `The local CloudWatch endpoint answers the statistics ${[...STATS].join(', ')}; not '${stat}'.`);
    if (periodSec % DAY_SECONDS !== 0) {
      throw new CloudWatchError('InvalidParameterValue', `The local CloudWatch endpoint holds daily data: Period must be a multiple of 86400, not ${periodSec}.`);
    }
    const series = this.series.get(keyOf(key));
    if (!series) return undefined;
    const periodDays = periodSec / DAY_SECONDS;
    const lastDay = Math.ceil(endSec / DAY_SECONDS); // exclusive
    const timestamps: number[] = [];
    const values: number[] = [];
    for (let bucket = Math.floor(startSec / DAY_SECONDS); bucket < lastDay; bucket += periodDays) {
      const picked: number[] = [];
      for (let day = bucket; day < Math.min(bucket + periodDays, lastDay); day += 1) {
        const value = series.values[day - series.firstDay];
        if (value !== undefined) picked.push(value);
      }
      if (!picked.length) continue;
      timestamps.push(bucket * DAY_SECONDS);
      values.push(aggregate(picked, stat));
    }
    return { timestamps, values };
  }
}

function aggregate(samples: number[], stat: string): number {
  const sum = samples.reduce((a, b) => a + b, 0);
  switch (stat) {
    case 'Sum':
      return sum;
    case 'Average':
      return sum / samples.length;
    case 'Maximum':
      return Math.max(...samples);
    case 'Minimum':
      return Math.min(...samples);
    default:
      return samples.length;
  }
}
