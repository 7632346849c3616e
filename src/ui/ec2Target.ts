// Which instance a source is tied to, and how to reach the EC2 API for it: an SSM source names its
// instance, Region and profile; "This instance" (and the emulator, when a local EC2 endpoint is
// set) tell theirs through IMDS. Credentials: the source's profile, else the imdsExplorer.ssm.profile
// setting, else the default chain (on an instance: its own role). The EC2 client itself loads as a
// lazy module (dist/lazy/ec2-client.mjs) on first use.
import type { Ec2Api } from '../aws/ec2/api';
import type { InstanceSettings } from '../aws/ec2/types';
import type { Ec2Access } from '../doctor/run';
import type { MetadataSource } from '../imds/types';
import { readEc2Settings } from './settings';

export interface Ec2Target {
  instanceId: string;
  region?: string;
  profile?: string;
  endpoint?: string;
}

export const loadEc2 = () => import('../aws/ec2/index');
export type Ec2Module = Awaited<ReturnType<typeof loadEc2>>;

/** Sources tied to an instance the EC2 API can describe. The emulator only with a local EC2 endpoint set. */
export function hasEc2Instance(source: MetadataSource): boolean {
  if (source.kind === 'ssm') return /^i-/.test((source as { instanceId?: string }).instanceId ?? '');
  if (source.kind === 'direct') return true;
  return source.kind === 'emulator' && readEc2Settings().endpoint !== undefined;
}

async function imdsText(source: MetadataSource, path: string): Promise<string | undefined> {
  try {
    return (await source.get(path)).text.trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function ec2TargetOf(source: MetadataSource): Promise<Ec2Target | undefined> {
  const settings = readEc2Settings();
  if (source.kind === 'ssm') {
    const ssm = source as MetadataSource & { instanceId: string; region?: string; profile?: string };
    return { instanceId: ssm.instanceId, region: ssm.region ?? settings.region, profile: ssm.profile ?? settings.profile, endpoint: settings.endpoint };
  }
  if (!hasEc2Instance(source)) return undefined;
  const instanceId = await imdsText(source, '/latest/meta-data/instance-id');
  if (!instanceId) return undefined;
  const region = (await imdsText(source, '/latest/meta-data/placement/region')) ?? settings.region;
  return { instanceId, region, profile: settings.profile, endpoint: settings.endpoint };
}

export async function connectEc2(target: Omit<Ec2Target, 'instanceId'> & { maxAttempts?: number }): Promise<{ ec2: Ec2Module; api: Ec2Api }> {
  const ec2 = await loadEc2();
  const api = await ec2.Ec2Api.connect({ region: target.region, profile: target.profile, endpoint: target.endpoint, ...(target.maxAttempts ? { maxAttempts: target.maxAttempts } : {}) });
  return { ec2, api };
}

export async function readSettingsFor(target: Ec2Target): Promise<InstanceSettings> {
  const { ec2, api } = await connectEc2(target);
  try {
    return await ec2.readInstanceSettings(api, target.instanceId);
  } finally {
    api.close();
  }
}

/** The doctor's EC2 access for a source (undefined when it is tied to no instance). */
export function doctorEc2Access(source: MetadataSource | undefined): Ec2Access | undefined {
  if (!source || !hasEc2Instance(source)) return undefined;
  return {
    ...(source.kind === 'ssm' ? { instanceId: (source as unknown as { instanceId: string }).instanceId } : {}),
    read: async (instanceId) => {
      const target = await ec2TargetOf(source);
      return readSettingsFor({ ...(target ?? readEc2Settings()), instanceId });
    },
  };
}
