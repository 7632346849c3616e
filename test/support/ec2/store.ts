// The local EC2 endpoint's data: instances per Region (plain records a test or a benchmark can
// fill by the thousand), IAM instance profile associations, and each Region's metadata defaults.
// Insertion order is kept per Region, so pages are stable while a client paginates.

export type InstanceStateName = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
export type OnOff = 'enabled' | 'disabled';

export interface MetadataOptionsRecord {
  httpTokens: 'optional' | 'required';
  httpPutResponseHopLimit: number;
  httpEndpoint: OnOff;
  httpProtocolIpv6: OnOff;
  instanceMetadataTags: OnOff;
  state: 'pending' | 'applied';
}

export interface Ec2InstanceRecord {
  instanceId: string;
  region: string;
  state: InstanceStateName;
  instanceType: string;
  /** `windows` for Windows instances; absent for Linux. */
  platform?: 'windows';
  /** Linux/UNIX, Windows, Red Hat Enterprise Linux … */
  platformDetails: string;
  /** ISO-8601. */
  launchTime: string;
  tags: Record<string, string>;
  metadataOptions: MetadataOptionsRecord;
  imageId?: string;
  availabilityZone?: string;
  privateIpAddress?: string;
  /** The instance profile, when one is attached. */
  iamInstanceProfile?: { arn: string; id: string };
}

export interface AssociationRecord {
  associationId: string;
  instanceId: string;
  region: string;
  arn: string;
  profileId: string;
  state: 'associating' | 'associated' | 'disassociating' | 'disassociated';
  /** ISO-8601. */
  timestamp: string;
}

export interface MetadataDefaultsRecord {
  httpTokens?: 'optional' | 'required';
  httpPutResponseHopLimit?: number;
  httpEndpoint?: OnOff;
  instanceMetadataTags?: OnOff;
}

export const DEFAULT_METADATA_OPTIONS: Readonly<MetadataOptionsRecord> = Object.freeze({
  httpTokens: 'optional',
  httpPutResponseHopLimit: 1,
  httpEndpoint: 'enabled',
  httpProtocolIpv6: 'disabled',
  instanceMetadataTags: 'disabled',
  state: 'applied',
});

/** A full record from the fields that matter to a test; the rest get plausible defaults. */
export function instanceRecord(fields: Partial<Ec2InstanceRecord> & { instanceId: string; region: string }): Ec2InstanceRecord {
  return {
    state: 'running',
    instanceType: 't3.micro',
    platformDetails: fields.platform === 'windows' ? 'Windows' : 'Linux/UNIX',
    launchTime: '2024-01-15T09:30:00.000Z',
    tags: {},
    ...fields,
    metadataOptions: { ...DEFAULT_METADATA_OPTIONS, ...fields.metadataOptions },
  };
}

export class Ec2Store {
  private readonly regions = new Map<string, Map<string, Ec2InstanceRecord>>();
  private readonly associationList: AssociationRecord[] = [];
  private readonly defaultsByRegion = new Map<string, MetadataDefaultsRecord>();
  private associationCounter = 0;

  /** Adds or replaces instances (any number, any Regions). */
  put(...records: Ec2InstanceRecord[]): void {
    for (const record of records) {
      let region = this.regions.get(record.region);
      if (!region) this.regions.set(record.region, (region = new Map()));
      region.set(record.instanceId, record);
    }
  }

  remove(region: string, instanceId: string): void {
    this.regions.get(region)?.delete(instanceId);
  }

  get(region: string, instanceId: string): Ec2InstanceRecord | undefined {
    return this.regions.get(region)?.get(instanceId);
  }

  /** Instances of a Region in insertion order. */
  list(region: string): Ec2InstanceRecord[] {
    return [...(this.regions.get(region)?.values() ?? [])];
  }

  regionNames(): string[] {
    return [...this.regions.keys()];
  }

  count(region?: string): number {
    if (region !== undefined) return this.regions.get(region)?.size ?? 0;
    let total = 0;
    for (const instances of this.regions.values()) total += instances.size;
    return total;
  }

  /** Records an association (e.g. at launch, or when a role is attached); returns it. */
  associate(region: string, instanceId: string, arn: string, profileId: string, state: AssociationRecord['state'] = 'associated', timestamp = new Date().toISOString()): AssociationRecord {
    const association: AssociationRecord = {
      associationId: `iip-assoc-${(++this.associationCounter).toString(16).padStart(17, '0')}`,
      instanceId,
      region,
      arn,
      profileId,
      state,
      timestamp,
    };
    this.associationList.push(association);
    return association;
  }

  associations(region: string): AssociationRecord[] {
    return this.associationList.filter((a) => a.region === region);
  }

  defaults(region: string): MetadataDefaultsRecord {
    return { ...this.defaultsByRegion.get(region) };
  }

  setDefaults(region: string, defaults: MetadataDefaultsRecord): void {
    this.defaultsByRegion.set(region, { ...defaults });
  }
}
