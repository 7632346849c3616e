// The posture's AWS side, in one lazily loaded module (its own bundle: the EC2 and CloudWatch SDKs
// load when a posture is first taken, never at activation). One Ec2Api and one CloudWatch client
// per Region, made from the same profile and endpoints; everything else is in the plain modules.
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { applyChange, type AccountDefaultsChange, type ApplyOptions, type ChangeOutcome } from '../aws/ec2/change';
import { Ec2Api } from '../aws/ec2/api';
import { describeEc2Error, isEc2Error } from '../aws/ec2/errors';
import type { AwsCredentialsInput } from '../aws/connection';
import { connectCloudWatch } from '../aws/cloudwatch/client';
import type { MetadataDefaults } from '../aws/ec2/types';
import { takeInventory, type InventoryOptions, type PostureSources } from './inventory';
import { fetchDailyCounts } from './metrics';
import type { PostureReport } from './types';

export interface FleetConnectionOptions {
  profile?: string;
  /** The Region used when none is given (default: the profile's). */
  region?: string;
  /** EC2 API endpoint override (VPC endpoint, the local endpoint in tests). */
  ec2Endpoint?: string;
  /** CloudWatch API endpoint override. */
  cloudWatchEndpoint?: string;
  /** Static credentials (tests); otherwise the profile or the default chain. */
  credentials?: AwsCredentialsInput;
}

export interface FleetConnection {
  readonly profile?: string;
  /** The Region the profile resolves to ('' when none). */
  readonly defaultRegion: string;
  ec2(region: string): Promise<Ec2Api>;
  cloudWatch(region: string): Promise<CloudWatchClient>;
  sources(): PostureSources;
  close(): void;
}

export async function connectFleet(options: FleetConnectionOptions): Promise<FleetConnection> {
  const ec2s = new Map<string, Promise<Ec2Api>>();
  const cloudWatches = new Map<string, Promise<CloudWatchClient>>();
  const base = { profile: options.profile, credentials: options.credentials };
  const ec2 = (region: string) => {
    let api = ec2s.get(region);
    if (!api) ec2s.set(region, (api = Ec2Api.connect({ ...base, region: region || undefined, endpoint: options.ec2Endpoint })));
    return api;
  };
  const home = await ec2(options.region ?? '');
  const defaultRegion = home.region;
  if (defaultRegion) ec2s.set(defaultRegion, Promise.resolve(home));
  const cloudWatch = (region: string) => {
    let client = cloudWatches.get(region);
    if (!client) cloudWatches.set(region, (client = connectCloudWatch({ ...base, region, endpoint: options.cloudWatchEndpoint })));
    return client;
  };
  return {
    profile: options.profile,
    defaultRegion,
    ec2,
    cloudWatch,
    sources: () => ({
      ec2: {
        describeInstancesPage: async (region, nextToken, signal) => (await ec2(region)).instancePage(nextToken, 1000, signal),
        getMetadataDefaults: async (region, signal) => (await ec2(region)).defaults(signal),
        enabledRegions: async (signal) => home.enabledRegions(signal),
      },
      dailyCounts: async (region, requests, window, fetchOptions) => fetchDailyCounts({ GetMetricDataCommand }, await cloudWatch(region), requests, window, fetchOptions),
      describeError: (error) => (isEc2Error(error) ? error.toLine() : describeEc2Error(error, { operation: 'GetMetricData', profile: options.profile, endpoint: options.cloudWatchEndpoint }).toLine()
        .replace(/ec2:GetMetricData/g, 'cloudwatch:GetMetricData')),
    }),
    close: () => {
      for (const api of ec2s.values()) void api.then((a) => a.close(), () => undefined);
      for (const client of cloudWatches.values()) void client.then((c) => c.destroy(), () => undefined);
    },
  };
}

/** Takes the posture; Regions default to the profile's own. */
export async function takePosture(fleet: FleetConnection, options: Omit<InventoryOptions, 'regions'> & { regions?: string[] | 'all' }): Promise<PostureReport> {
  const regions = options.regions ?? (fleet.defaultRegion ? [fleet.defaultRegion] : []);
  return takeInventory(fleet.sources(), { ...options, regions, profile: options.profile ?? fleet.profile });
}

/** The account default "new instances require tokens" in one Region, through the one change path. */
export async function requireTokensByDefault(fleet: FleetConnection, region: string, options: ApplyOptions): Promise<ChangeOutcome> {
  const api = await fleet.ec2(region);
  const before: MetadataDefaults = await api.defaults();
  const { managedBy: _managed, ...settable } = before;
  const change: AccountDefaultsChange = { kind: 'account-defaults', region, ...(fleet.profile ? { profile: fleet.profile } : {}), before: settable, after: { httpTokens: 'required' } };
  return applyChange(api, change, options);
}

export { dryRunEach, applyEach, restoreEach, REQUIRE_TOKENS } from './enforce';
