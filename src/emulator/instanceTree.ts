// Builds the full meta-data / dynamic / user-data tree of an on-demand Linux instance from its facts.
// The identity document and its signatures are derived from the meta-data leaves at compile time,
// so whatever a config or setValue changes (instance id, region, IP...) the document agrees.
import { createHash } from 'node:crypto';
import { InstanceFacts, fakeOpenSshKey } from './defaultInstance';
import { imdsJson } from './credentials';
import { DynamicLeaf, Leaf, isDynamic } from './metadataTree';

export interface TreeServices {
  /** Current credentials JSON for a role (rotated as needed). */
  roleCredentials(roleName: string): Buffer;
  /** Current credentials JSON of the instance identity (identity-credentials/ec2/...). */
  identityCredentials(): Buffer;
}

export const IDENTITY_DOCUMENT = 'dynamic/instance-identity/document';

export function textOf(leaves: ReadonlyMap<string, Leaf>, key: string): string | undefined {
  const leaf = leaves.get(key);
  if (leaf === undefined) return undefined;
  return (isDynamic(leaf) ? leaf.produce(leaves) : leaf).toString('utf8');
}

/** Region from an AZ name: `us-east-1a` → `us-east-1`, `us-west-2-lax-1a` (Local Zone) → `us-west-2`. */
export function regionOfZone(zone: string): string {
  const m = /^([a-z]{2}(?:-gov)?-[a-z]+-\d+)/.exec(zone);
  return m ? m[1] : zone.replace(/[a-z]$/, '');
}

function identityDocument(leaves: ReadonlyMap<string, Leaf>, facts: InstanceFacts): string {
  const md = (k: string) => textOf(leaves, 'meta-data/' + k);
  const zone = md('placement/availability-zone') ?? facts.availabilityZone;
  const productCodes = md('product-codes');
  return imdsJson({
    accountId: accountFromInfo(leaves) ?? facts.accountId,
    architecture: facts.architecture,
    availabilityZone: zone,
    billingProducts: null,
    devpayProductCodes: null,
    marketplaceProductCodes: productCodes ? productCodes.split('\n') : null,
    imageId: md('ami-id') ?? facts.imageId,
    instanceId: md('instance-id') ?? facts.instanceId,
    instanceType: md('instance-type') ?? facts.instanceType,
    kernelId: md('kernel-id') ?? null,
    pendingTime: facts.pendingTime,
    privateIp: md('local-ipv4') ?? facts.privateIp,
    ramdiskId: md('ramdisk-id') ?? null,
    region: md('placement/region') ?? regionOfZone(zone),
    version: '2017-09-30',
  });
}

function accountFromInfo(leaves: ReadonlyMap<string, Leaf>): string | undefined {
  const info = textOf(leaves, 'meta-data/iam/info');
  const m = info ? /arn:aws[a-z-]*:iam::(\d{12}):/.exec(info) : null;
  return m ? m[1] : undefined;
}

// The real signatures are made with AWS's private keys; these are deterministic stand-ins of the
// right shape (base64, wrapped at 64 columns for pkcs7/rsa2048) that change with the document.
function fakeSignature(document: string, kind: string, bytes: number, wrap: boolean): string {
  let raw = Buffer.alloc(0);
  for (let i = 0; raw.length < bytes; i++) {
    raw = Buffer.concat([raw, createHash('sha256').update(`${kind}:${i}:${document}`).digest()]);
  }
  const b64 = raw.subarray(0, bytes).toString('base64');
  return wrap ? b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '') : b64;
}

function derived(produce: (leaves: ReadonlyMap<string, Leaf>) => string): DynamicLeaf {
  return { when: 'compile', produce: (leaves) => Buffer.from(produce(leaves)) };
}

function perRequest(produce: () => Buffer): DynamicLeaf {
  return { when: 'request', produce };
}

export function buildInstanceLeaves(facts: InstanceFacts, services: TreeServices, userData?: Buffer): Map<string, Leaf> {
  const leaves = new Map<string, Leaf>();
  const put = (key: string, value: string) => leaves.set(key, Buffer.from(value));
  const md = (key: string, value: string) => put('meta-data/' + key, value);
  const mac = facts.mac;
  const nic = `network/interfaces/macs/${mac}/`;

  md('ami-id', facts.imageId);
  md('ami-launch-index', facts.amiLaunchIndex);
  md('ami-manifest-path', '(unknown)');
  md('block-device-mapping/ami', '/dev/xvda');
  md('block-device-mapping/root', '/dev/xvda');
  md('events/maintenance/history', '[]');
  md('events/maintenance/scheduled', '[]');
  md('hostname', facts.localHostname);
  md('iam/info', imdsJson({
    Code: 'Success',
    LastUpdated: facts.pendingTime,
    InstanceProfileArn: `arn:aws:iam::${facts.accountId}:instance-profile/${facts.roleName}`,
    InstanceProfileId: facts.instanceProfileId,
  }));
  leaves.set(`meta-data/iam/security-credentials/${facts.roleName}`, perRequest(() => services.roleCredentials(facts.roleName)));
  md('identity-credentials/ec2/info', imdsJson({ Code: 'Success', LastUpdated: facts.pendingTime, AccountId: facts.accountId }));
  leaves.set('meta-data/identity-credentials/ec2/security-credentials/ec2-instance', perRequest(() => services.identityCredentials()));
  md('instance-action', 'none');
  md('instance-id', facts.instanceId);
  md('instance-life-cycle', 'on-demand');
  md('instance-type', facts.instanceType);
  md('local-hostname', facts.localHostname);
  md('local-ipv4', facts.privateIp);
  md('mac', mac);
  md('metrics/vhostmd', '<?xml version="1.0" encoding="UTF-8"?>');
  md(nic + 'device-number', '0');
  md(nic + 'interface-id', facts.interfaceId);
  md(nic + `ipv4-associations/${facts.publicIp}`, facts.privateIp);
  md(nic + 'local-hostname', facts.localHostname);
  md(nic + 'local-ipv4s', facts.privateIp);
  md(nic + 'mac', mac);
  md(nic + 'network-card-index', '0');
  md(nic + 'owner-id', facts.accountId);
  md(nic + 'public-hostname', facts.publicHostname);
  md(nic + 'public-ipv4s', facts.publicIp);
  md(nic + 'security-group-ids', facts.securityGroupId);
  md(nic + 'security-groups', facts.securityGroupName);
  md(nic + 'subnet-id', facts.subnetId);
  md(nic + 'subnet-ipv4-cidr-block', facts.subnetCidr);
  md(nic + 'vpc-id', facts.vpcId);
  md(nic + 'vpc-ipv4-cidr-block', facts.vpcCidr);
  md(nic + 'vpc-ipv4-cidr-blocks', facts.vpcCidr);
  md('placement/availability-zone', facts.availabilityZone);
  md('placement/availability-zone-id', facts.availabilityZoneId);
  md('placement/region', facts.region);
  md('profile', 'default-hvm');
  md('public-hostname', facts.publicHostname);
  md('public-ipv4', facts.publicIp);
  md('public-keys/0/openssh-key', fakeOpenSshKey(facts.keyName));
  md('reservation-id', facts.reservationId);
  md('security-groups', facts.securityGroupName);
  md('services/domain', 'amazonaws.com');
  md('services/partition', 'aws');
  md('system', 'nitro');
  for (const [name, value] of Object.entries(facts.tags)) md(`tags/instance/${name}`, value);

  leaves.set(IDENTITY_DOCUMENT, derived((l) => identityDocument(l, facts)));
  leaves.set('dynamic/instance-identity/pkcs7', derived((l) => fakeSignature(textOf(l, IDENTITY_DOCUMENT) ?? '', 'pkcs7', 1000, true)));
  leaves.set('dynamic/instance-identity/signature', derived((l) => fakeSignature(textOf(l, IDENTITY_DOCUMENT) ?? '', 'signature', 128, false)));
  leaves.set('dynamic/instance-identity/rsa2048', derived((l) => fakeSignature(textOf(l, IDENTITY_DOCUMENT) ?? '', 'rsa2048', 1400, true)));
  put('dynamic/fws/instance-monitoring', 'disabled');
  if (userData !== undefined) leaves.set('user-data', userData);
  return leaves;
}

/** Listing labels: public key directories are listed as `N=name`. */
export function buildInstanceLabels(facts: InstanceFacts): Map<string, string> {
  return new Map([['meta-data/public-keys/0', `0=${facts.keyName}`]]);
}
