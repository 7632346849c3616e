// Reads what the EC2 API says about one instance: the instance (MetadataOptions, Name, role), its
// IAM instance profile associations, and the Region's account defaults. Each part is read on its
// own, so one missing permission leaves the other parts (and the doctor's other checks) intact.

import type { Ec2Api } from './api';
import { describeEc2Error } from './errors';
import type { InstanceSettings, Unavailable } from './types';

async function part<T>(operation: string, read: () => Promise<T>, api: Ec2Api, instanceId: string): Promise<T | Unavailable> {
  try {
    return await read();
  } catch (error) {
    return describeEc2Error(error, { operation, region: api.region, profile: api.profile, instanceId }).toUnavailable();
  }
}

export async function readInstanceSettings(api: Ec2Api, instanceId: string, signal?: AbortSignal): Promise<InstanceSettings> {
  const [instance, associations, defaults] = await Promise.all([
    part('DescribeInstances', () => api.describeInstance(instanceId, signal), api, instanceId),
    part('DescribeIamInstanceProfileAssociations', () => api.associations(instanceId, signal), api, instanceId),
    part('GetInstanceMetadataDefaults', () => api.defaults(signal), api, instanceId),
  ]);
  return { instanceId, region: api.region, ...(api.profile ? { profile: api.profile } : {}), readAt: new Date().toISOString(), instance, associations, defaults };
}
