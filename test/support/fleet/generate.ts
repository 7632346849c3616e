// A seeded synthetic EC2 fleet: instances across Regions with a realistic IMDS mix and the daily
// MetadataNoToken / MetadataNoTokenRejected series CloudWatch would hold for each. The same seed
// always gives the same fleet, so tests can name what they expect and benchmarks are comparable.
import { mulberry32 } from '../../fixtures/user-data/prng';
import { DAY_SECONDS, type DailySeries } from '../cloudwatch/metricStore';

/** What the generator meant each instance to be (the classifier must find it from the data alone). */
export type FleetProfile =
  | 'required'
  | 'ready'
  | 'needs-work'
  | 'disabled'
  | 'stopped'
  | 'new'
  | 'no-metrics';

export interface FleetMetadataOptions {
  httpTokens: 'required' | 'optional';
  httpEndpoint: 'enabled' | 'disabled';
  httpPutResponseHopLimit: number;
  httpProtocolIpv6: 'enabled' | 'disabled';
  instanceMetadataTags: 'enabled' | 'disabled';
  state: 'pending' | 'applied';
}

export interface FleetInstance {
  instanceId: string;
  region: string;
  availabilityZone: string;
  instanceType: string;
  privateIpAddress: string;
  state: 'running' | 'stopped';
  launchTime: Date;
  tags: Record<string, string>;
  metadataOptions: FleetMetadataOptions;
  profile: FleetProfile;
  /** Daily series; undefined when CloudWatch holds no such metric for the instance. */
  noToken?: DailySeries;
  noTokenRejected?: DailySeries;
}

export interface RegionDefaults {
  httpTokens?: 'required' | 'optional';
  httpPutResponseHopLimit?: number;
  httpEndpoint?: 'enabled' | 'disabled';
  instanceMetadataTags?: 'enabled' | 'disabled';
}

export interface Fleet {
  seed: number;
  now: Date;
  regions: string[];
  instances: FleetInstance[];
  /** Account-level defaults per Region (GetInstanceMetadataDefaults); empty = no preference. */
  defaults: Record<string, RegionDefaults>;
}

export interface FleetOptions {
  instances: number;
  /** A count (the first N of a fixed list) or the Region names. */
  regions: number | string[];
  seed?: number;
  /** Days of metric history (default 30). */
  historyDays?: number;
  now?: Date;
  /** Share of each profile (normalised); default a mix seen in real accounts mid-migration. */
  mix?: Partial<Record<FleetProfile, number>>;
}

export const FLEET_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-west-2', 'eu-central-1', 'ap-northeast-1', 'sa-east-1', 'ca-central-1'];

export const DEFAULT_MIX: Record<FleetProfile, number> = {
  required: 0.45,
  ready: 0.24,
  'needs-work': 0.12,
  disabled: 0.03,
  stopped: 0.09,
  new: 0.05,
  'no-metrics': 0.02,
};

const APPS = ['web', 'api', 'worker', 'batch', 'etl', 'cache', 'search', 'auth', 'billing', 'legacy-cms'];
const ENVS = ['prod', 'staging', 'dev'];
const TEAMS = ['payments', 'platform', 'data', 'identity', 'growth'];
const TYPES = ['t3.micro', 't3.medium', 'm6i.large', 'c7g.xlarge', 'r6i.2xlarge'];

/** mulberry32 (test/fixtures/user-data/prng.ts): the same sequence on every platform. */
export const seededRandom = mulberry32;

function pickProfile(random: () => number, mix: Record<FleetProfile, number>): FleetProfile {
  const entries = Object.entries(mix) as [FleetProfile, number][];
  const total = entries.reduce((sum, [, share]) => sum + share, 0);
  let roll = random() * total;
  for (const [profile, share] of entries) {
    roll -= share;
    if (roll < 0) return profile;
  }
  return entries[entries.length - 1][0];
}

function hexId(random: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** Zeros on each day from firstDay to lastDay (inclusive): what a running instance without calls reports. */
function zeros(firstDay: number, lastDay: number): DailySeries {
  return { firstDay, values: new Array<number>(Math.max(0, lastDay - firstDay + 1)).fill(0) };
}

export function generateFleet(options: FleetOptions): Fleet {
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const now = options.now ?? new Date();
  const regions = typeof options.regions === 'number' ? FLEET_REGIONS.slice(0, options.regions) : options.regions;
  if (!regions.length) throw new Error('A fleet needs at least one Region.');
  const mix = { ...DEFAULT_MIX, ...options.mix };
  const historyDays = options.historyDays ?? 30;
  const today = Math.floor(now.getTime() / 1000 / DAY_SECONDS);
  const historyStart = today - historyDays + 1;
  const instances: FleetInstance[] = [];
  for (let index = 0; index < options.instances; index += 1) {
    const region = regions[index % regions.length];
    const profile = pickProfile(random, mix);
    const app = APPS[Math.floor(random() * APPS.length)];
    const env = ENVS[Math.floor(random() * ENVS.length)];
    const ageDays = profile === 'new' ? 1 + Math.floor(random() * 10) : 40 + Math.floor(random() * 900);
    const launchDay = today - ageDays;
    const instance: FleetInstance = {
      instanceId: `i-${hexId(random, 17)}`,
      region,
      availabilityZone: `${region}${'abc'[index % 3]}`,
      instanceType: TYPES[Math.floor(random() * TYPES.length)],
      privateIpAddress: `10.${index >> 16 & 255}.${index >> 8 & 255}.${index & 255}`,
      state: profile === 'stopped' ? 'stopped' : 'running',
      launchTime: new Date((launchDay * DAY_SECONDS + Math.floor(random() * DAY_SECONDS)) * 1000),
      tags: { Name: `${app}-${env}-${String(index).padStart(5, '0')}`, Team: TEAMS[Math.floor(random() * TEAMS.length)], Env: env },
      metadataOptions: {
        httpTokens: profile === 'required' ? 'required' : 'optional',
        httpEndpoint: profile === 'disabled' ? 'disabled' : 'enabled',
        httpPutResponseHopLimit: random() < 0.3 ? 2 : 1,
        httpProtocolIpv6: 'disabled',
        instanceMetadataTags: random() < 0.2 ? 'enabled' : 'disabled',
        state: 'applied',
      },
      profile,
    };
    const firstDay = Math.max(historyStart, launchDay);
    if (profile === 'stopped') {
      // Stopped before or during the window: its series ends the day it stopped.
      const stoppedDay = today - 3 - Math.floor(random() * 40);
      if (stoppedDay >= firstDay) instance.noToken = zeros(firstDay, stoppedDay);
    } else if (profile !== 'no-metrics' && profile !== 'disabled') {
      instance.noToken = zeros(firstDay, today);
      instance.noTokenRejected = zeros(firstDay, today);
      if (profile === 'needs-work') {
        // A job that reads without a token on some days (a cron, an old SDK at deploy time).
        const every = 1 + Math.floor(random() * 5);
        const burst = 1 + Math.floor(random() * 400);
        for (let day = instance.noToken.values.length - 1 - Math.floor(random() * every); day >= 0; day -= every) {
          instance.noToken.values[day] = burst + Math.floor(random() * burst);
        }
      } else if (profile === 'required' && random() < 0.04) {
        // Switched already, and something still tries without a token: the calls are refused.
        instance.noTokenRejected.values[instance.noTokenRejected.values.length - 1] = 1 + Math.floor(random() * 50);
      }
    } else if (profile === 'disabled') {
      instance.noToken = zeros(firstDay, today);
    }
    instances.push(instance);
  }
  const defaults: Record<string, RegionDefaults> = {};
  regions.forEach((region, i) => {
    defaults[region] = i === 0 ? { httpTokens: 'required', httpPutResponseHopLimit: 2 } : {};
  });
  return { seed, now, regions, instances, defaults };
}
