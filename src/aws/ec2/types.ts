// Plain shapes of what the EC2 API says about an instance's IMDS settings. No SDK import: the
// doctor, the tree and the CLI use these without loading the lazy AWS bundle.

export type HttpTokens = 'optional' | 'required';
export type OnOff = 'enabled' | 'disabled';

/** DescribeInstances → MetadataOptions (State: pending while a change propagates). */
export interface MetadataOptions {
  httpTokens: HttpTokens;
  httpPutResponseHopLimit: number;
  httpEndpoint: OnOff;
  httpProtocolIpv6: OnOff;
  instanceMetadataTags: OnOff;
  state: 'pending' | 'applied';
}

/** The settable part of MetadataOptions: what ModifyInstanceMetadataOptions takes. */
export type MetadataOptionsChange = Partial<Omit<MetadataOptions, 'state'>>;

export interface InstanceSummary {
  instanceId: string;
  region: string;
  /** The Name tag, when there is one. */
  name?: string;
  /** pending | running | stopping | stopped | shutting-down | terminated */
  state: string;
  instanceType: string;
  /** `windows` or the platform details (Linux/UNIX, Red Hat ...). */
  platform: string;
  launchTime?: string;
  tags: Record<string, string>;
  iamInstanceProfileArn?: string;
  metadataOptions?: MetadataOptions;
}

/** DescribeIamInstanceProfileAssociations: the role attachment and its own state. */
export interface IamAssociation {
  associationId: string;
  instanceProfileArn: string;
  state: 'associating' | 'associated' | 'disassociating' | 'disassociated';
  /** When the association was made (ISO-8601). */
  timestamp?: string;
}

/** GetInstanceMetadataDefaults → AccountLevel (absent fields: no preference). */
export interface MetadataDefaults {
  httpTokens?: HttpTokens | 'no-preference';
  httpPutResponseHopLimit?: number;
  httpEndpoint?: OnOff | 'no-preference';
  instanceMetadataTags?: OnOff | 'no-preference';
  /** Set when a declarative policy manages the defaults (then they cannot be changed here). */
  managedBy?: string;
}

/** A part that could not be read, with why (a missing permission names it). */
export interface Unavailable {
  unavailable: { code: string; message: string; remedy: string; permission?: string };
}

/** Everything the EC2 API says about one instance's IMDS, each part read on its own. */
export interface InstanceSettings {
  instanceId: string;
  region: string;
  profile?: string;
  readAt: string;
  instance: InstanceSummary | Unavailable;
  /** Empty list: no instance profile associated. */
  associations: IamAssociation[] | Unavailable;
  defaults: MetadataDefaults | Unavailable;
}

export function isUnavailable(value: unknown): value is Unavailable {
  return typeof value === 'object' && value !== null && 'unavailable' in value;
}

/** The label of an instance: its Name tag and id, or just the id. */
export function instanceLabel(instance: { instanceId: string; name?: string }): string {
  return instance.name ? `${instance.name} (${instance.instanceId})` : instance.instanceId;
}

/** The platform as people read it: `Windows` (EC2's Platform field says `windows`), else the platform details. */
export function platformText(instance: { platform: string }): string {
  return instance.platform === 'windows' ? 'Windows' : instance.platform;
}
