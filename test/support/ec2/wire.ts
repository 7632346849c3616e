// Wires one instance of the local EC2 endpoint to a running IMDS emulator, so the EC2 API and IMDS
// tell one story: a ModifyInstanceMetadataOptions that reaches `applied` changes what the emulator
// does (HttpTokens required → tokens required; HttpEndpoint disabled → 403; the hop limit → its
// hop-limit simulation; InstanceMetadataTags → tags/ served or not), and the IAM association
// follows the emulator's iam-role-attach timeline (associating until iam/info appears).
import type { Emulator } from '../../../src/emulator/server';
import type { Ec2Endpoint } from '../ec2Endpoint';
import { instanceRecord, type AssociationRecord, type Ec2InstanceRecord } from './store';

export interface WiredInstance {
  instanceId: string;
  region: string;
  record: Ec2InstanceRecord;
  /** Attaches the role the way EC2 does: the emulator runs iam-role-attach from now on. */
  attachRole(timeline?: { infoAfterSeconds?: number; credentialsAfterSeconds?: number }): void;
}

function tagsServed(emulator: Emulator, tags: Record<string, string>): boolean {
  return Object.keys(tags).some((key) => emulator.getValue(`/latest/meta-data/tags/instance/${key}`) !== undefined);
}

/** Adds the emulator's instance to the endpoint's store (in the emulator's Region) and wires it. */
export function wireEmulator(endpoint: Ec2Endpoint, emulator: Emulator): WiredInstance {
  const facts = emulator.facts;
  const profileArn = `arn:aws:iam::${facts.accountId}:instance-profile/${facts.roleName}`;
  const launchTime = new Date(facts.pendingTime).toISOString();
  const record = instanceRecord({
    instanceId: facts.instanceId,
    region: facts.region,
    instanceType: facts.instanceType,
    imageId: facts.imageId,
    availabilityZone: facts.availabilityZone,
    privateIpAddress: facts.privateIp,
    launchTime,
    tags: { ...facts.tags },
    iamInstanceProfile: { arn: profileArn, id: facts.instanceProfileId },
    metadataOptions: {
      httpTokens: emulator.imdsv2,
      httpPutResponseHopLimit: emulator.faults.hopLimit,
      httpEndpoint: emulator.enabled ? 'enabled' : 'disabled',
      httpProtocolIpv6: 'disabled',
      instanceMetadataTags: tagsServed(emulator, facts.tags) ? 'enabled' : 'disabled',
      state: 'applied',
    },
  });
  endpoint.store.put(record);

  endpoint.onApplied(record.instanceId, (changed) => {
    const options = changed.metadataOptions;
    emulator.setImdsv2(options.httpTokens);
    emulator.setEnabled(options.httpEndpoint === 'enabled');
    emulator.setFaults({ hopLimit: options.httpPutResponseHopLimit });
    if (options.instanceMetadataTags === 'enabled') {
      // Tag keys with a slash (or named `.`/`..`) are never served as instance metadata.
      for (const [key, value] of Object.entries(changed.tags)) if (!/[/]|^\.\.?$/.test(key)) emulator.setValue(`/latest/meta-data/tags/instance/${key}`, value);
    } else {
      emulator.setValue('/latest/meta-data/tags', undefined);
    }
  });

  // The association: made at launch, unless the role is attached later (iam-role-attach).
  let attachedAt: string | undefined;
  const associationId = 'iip-assoc-0a1b2c3d4e5f60718';
  endpoint.setAssociationSource(record.instanceId, (): AssociationRecord[] => {
    const attaching = emulator.scenario.name.split('+').includes('iam-role-attach');
    if (attaching) attachedAt ??= new Date().toISOString(); // switched by someone else: seen now
    const infoServed = emulator.getValue('/latest/meta-data/iam/info') !== undefined;
    const state = attaching && !infoServed ? 'associating' : 'associated';
    return [{ associationId, instanceId: record.instanceId, region: record.region, arn: profileArn, profileId: facts.instanceProfileId, state, timestamp: attachedAt ?? launchTime }];
  });

  return {
    instanceId: record.instanceId,
    region: record.region,
    record,
    attachRole(timeline = {}) {
      attachedAt = new Date().toISOString();
      emulator.setScenario('iam-role-attach', timeline);
    },
  };
}
