// Puts a synthetic fleet into the local EC2 endpoint's store (instances and each Region's defaults).
import { instanceRecord, type Ec2Store } from '../ec2/store';
import type { Fleet } from './generate';

export function loadFleetInstances(store: Ec2Store, fleet: Fleet): void {
  store.put(...fleet.instances.map((i) => instanceRecord({
    instanceId: i.instanceId,
    region: i.region,
    state: i.state,
    instanceType: i.instanceType,
    launchTime: i.launchTime.toISOString(),
    tags: i.tags,
    availabilityZone: i.availabilityZone,
    privateIpAddress: i.privateIpAddress,
    metadataOptions: { ...i.metadataOptions },
  })));
  for (const [region, defaults] of Object.entries(fleet.defaults)) store.setDefaults(region, defaults);
}
