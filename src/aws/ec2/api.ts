// The EC2 API calls the extension makes, on one EC2Client: describe instances (paginated), the IAM
// instance profile associations, the account's metadata defaults, and the two modify calls with
// DryRun. Only these commands are imported, so the lazy bundle keeps just what they need. The SDK
// retries RequestLimitExceeded with backoff (standard retry mode); what still fails becomes an
// Ec2Error with a remedy (errors.ts).

import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  EC2Client,
  GetInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataDefaultsCommand,
  ModifyInstanceMetadataOptionsCommand,
  type Instance,
  type InstanceMetadataOptionsResponse,
} from '@aws-sdk/client-ec2';
import { clientConfig, resolvedRegion, type AwsConnectionOptions } from '../connection';
import { describeEc2Error, Ec2Error } from './errors';
import type { HttpTokens, IamAssociation, InstanceSummary, MetadataDefaults, MetadataOptions, MetadataOptionsChange, OnOff } from './types';

export interface Ec2Options extends AwsConnectionOptions {
  /** SDK attempts per call (throttling is retried with backoff). Default 5. */
  maxAttempts?: number;
}

export interface ListOptions {
  /** Page size asked of DescribeInstances (5..1000). Default 200. */
  pageSize?: number;
  /** Stop after this many instances (default 10,000). */
  limit?: number;
  /** Pages read at most (default 100): a bound even if the service keeps answering NextToken. */
  maxPages?: number;
  signal?: AbortSignal;
  /** DescribeInstances filters, e.g. { 'instance-state-name': ['running'] }. */
  filters?: Record<string, string[]>;
  onPage?: (count: number) => void;
}

/** What a DryRun said: the call would have worked, or it would not (with why). */
export type DryRunResult = { ok: true } | { ok: false; error: Ec2Error };

const STATE_CODES = new Set(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']);

function onOff(value: string | undefined, fallback: OnOff): OnOff {
  return value === 'enabled' || value === 'disabled' ? value : fallback;
}

export function metadataOptionsOf(raw: InstanceMetadataOptionsResponse | undefined): MetadataOptions | undefined {
  if (!raw) return undefined;
  return {
    httpTokens: raw.HttpTokens === 'required' ? 'required' : 'optional',
    httpPutResponseHopLimit: raw.HttpPutResponseHopLimit ?? 1,
    httpEndpoint: onOff(raw.HttpEndpoint, 'enabled'),
    httpProtocolIpv6: onOff(raw.HttpProtocolIpv6, 'disabled'),
    instanceMetadataTags: onOff(raw.InstanceMetadataTags, 'disabled'),
    state: raw.State === 'pending' ? 'pending' : 'applied',
  };
}

function summaryOf(instance: Instance, region: string): InstanceSummary {
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  const state = instance.State?.Name ?? 'unknown';
  return {
    instanceId: instance.InstanceId ?? '',
    region,
    ...(tags.Name ? { name: tags.Name } : {}),
    state: STATE_CODES.has(state) ? state : 'unknown',
    instanceType: instance.InstanceType ?? '',
    platform: String(instance.Platform ?? '').toLowerCase() === 'windows' ? 'windows' : (instance.PlatformDetails ?? 'Linux/UNIX'),
    ...(instance.LaunchTime ? { launchTime: instance.LaunchTime.toISOString() } : {}),
    tags,
    ...(instance.IamInstanceProfile?.Arn ? { iamInstanceProfileArn: instance.IamInstanceProfile.Arn } : {}),
    ...(instance.MetadataOptions ? { metadataOptions: metadataOptionsOf(instance.MetadataOptions) } : {}),
  };
}

function filterList(filters: Record<string, string[]> | undefined) {
  return filters ? Object.entries(filters).map(([Name, Values]) => ({ Name, Values })) : undefined;
}

export class Ec2Api {
  private constructor(
    private readonly client: EC2Client,
    /** The Region the client resolved. */
    readonly region: string,
    readonly profile: string | undefined,
    readonly endpoint: string | undefined,
  ) {}

  static async connect(options: Ec2Options): Promise<Ec2Api> {
    const client = new EC2Client(await clientConfig(options, 5));
    return new Ec2Api(client, await resolvedRegion(client, options.region), options.profile, options.endpoint);
  }

  private async call<T>(operation: string, instanceId: string | undefined, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw describeEc2Error(error, { operation, region: this.region, profile: this.profile, instanceId, endpoint: this.endpoint });
    }
  }

  /** DryRun of an operation: DryRunOperation means it would have worked. */
  private async dryRun(operation: string, instanceId: string | undefined, send: () => Promise<unknown>): Promise<DryRunResult> {
    try {
      await send();
      // A service that ignores DryRun and answers 200 would have made the change: say so loudly.
      return { ok: false, error: new Ec2Error('ServiceError', `${operation} with DryRun was answered as a real call.`, 'Check the endpoint: EC2 answers DryRun with DryRunOperation.') };
    } catch (error) {
      if ((error as { name?: string }).name === 'DryRunOperation') return { ok: true };
      return { ok: false, error: describeEc2Error(error, { operation, region: this.region, profile: this.profile, instanceId, endpoint: this.endpoint }) };
    }
  }

  /** Every instance of the Region (paginated, bounded), with Name tags and metadata options. */
  async listInstances(options: ListOptions = {}): Promise<InstanceSummary[]> {
    const limit = options.limit ?? 10_000;
    const maxPages = options.maxPages ?? 100;
    const found: InstanceSummary[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < maxPages && found.length < limit; page++) {
      if (options.signal?.aborted) throw new Ec2Error('Cancelled', 'Listing instances was cancelled.', 'Start it again when needed.');
      const answer = await this.call('DescribeInstances', undefined, () =>
        this.client.send(new DescribeInstancesCommand({ MaxResults: options.pageSize ?? 200, NextToken: nextToken, Filters: filterList(options.filters) }), { abortSignal: options.signal }));
      for (const reservation of answer.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) if (found.length < limit) found.push(summaryOf(instance, this.region));
      }
      options.onPage?.(found.length);
      nextToken = answer.NextToken;
      if (!nextToken) break;
    }
    return found;
  }

  /** One instance, or an Ec2Error NotFound. */
  async describeInstance(instanceId: string, signal?: AbortSignal): Promise<InstanceSummary> {
    const answer = await this.call('DescribeInstances', instanceId, () =>
      this.client.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), { abortSignal: signal }));
    const instance = answer.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!instance) throw new Ec2Error('NotFound', `No instance ${instanceId} in ${this.region}.`, 'Check the instance id and the Region.');
    return summaryOf(instance, this.region);
  }

  /** The instance's IAM instance profile associations (any state), newest first. */
  async associations(instanceId: string, signal?: AbortSignal): Promise<IamAssociation[]> {
    const found: IamAssociation[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 20; page++) {
      const answer = await this.call('DescribeIamInstanceProfileAssociations', instanceId, () =>
        this.client.send(new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }], MaxResults: 100, NextToken: nextToken }), { abortSignal: signal }));
      for (const a of answer.IamInstanceProfileAssociations ?? []) {
        found.push({
          associationId: a.AssociationId ?? '',
          instanceProfileArn: a.IamInstanceProfile?.Arn ?? '',
          state: (a.State ?? 'associated') as IamAssociation['state'],
          ...(a.Timestamp ? { timestamp: a.Timestamp.toISOString() } : {}),
        });
      }
      nextToken = answer.NextToken;
      if (!nextToken) break;
    }
    return found.sort((a, b) => (b.timestamp ?? '').localeCompare(a.timestamp ?? ''));
  }

  /** The Region's account-level IMDS defaults. */
  async defaults(signal?: AbortSignal): Promise<MetadataDefaults> {
    const answer = await this.call('GetInstanceMetadataDefaults', undefined, () => this.client.send(new GetInstanceMetadataDefaultsCommand({}), { abortSignal: signal }));
    const level = answer.AccountLevel ?? {};
    return {
      ...(level.HttpTokens ? { httpTokens: level.HttpTokens as HttpTokens } : {}),
      ...(level.HttpPutResponseHopLimit !== undefined && level.HttpPutResponseHopLimit > 0 ? { httpPutResponseHopLimit: level.HttpPutResponseHopLimit } : {}),
      ...(level.HttpEndpoint ? { httpEndpoint: level.HttpEndpoint as OnOff } : {}),
      ...(level.InstanceMetadataTags ? { instanceMetadataTags: level.InstanceMetadataTags as OnOff } : {}),
      ...(level.ManagedBy && level.ManagedBy !== 'account' ? { managedBy: level.ManagedBy } : {}),
    };
  }

  private optionsInput(instanceId: string, change: MetadataOptionsChange, dryRun: boolean) {
    return new ModifyInstanceMetadataOptionsCommand({
      InstanceId: instanceId,
      DryRun: dryRun,
      ...(change.httpTokens ? { HttpTokens: change.httpTokens } : {}),
      ...(change.httpPutResponseHopLimit !== undefined ? { HttpPutResponseHopLimit: change.httpPutResponseHopLimit } : {}),
      ...(change.httpEndpoint ? { HttpEndpoint: change.httpEndpoint } : {}),
      ...(change.httpProtocolIpv6 ? { HttpProtocolIpv6: change.httpProtocolIpv6 } : {}),
      ...(change.instanceMetadataTags ? { InstanceMetadataTags: change.instanceMetadataTags } : {}),
    });
  }

  dryRunModifyOptions(instanceId: string, change: MetadataOptionsChange): Promise<DryRunResult> {
    return this.dryRun('ModifyInstanceMetadataOptions', instanceId, () => this.client.send(this.optionsInput(instanceId, change, true)));
  }

  /** ModifyInstanceMetadataOptions: the options as EC2 answered them (State pending, usually). */
  async modifyOptions(instanceId: string, change: MetadataOptionsChange): Promise<MetadataOptions | undefined> {
    const answer = await this.call('ModifyInstanceMetadataOptions', instanceId, () => this.client.send(this.optionsInput(instanceId, change, false)));
    return metadataOptionsOf(answer.InstanceMetadataOptions);
  }

  private defaultsInput(change: MetadataDefaults, dryRun: boolean) {
    return new ModifyInstanceMetadataDefaultsCommand({
      DryRun: dryRun,
      ...(change.httpTokens ? { HttpTokens: change.httpTokens } : {}),
      ...(change.httpPutResponseHopLimit !== undefined ? { HttpPutResponseHopLimit: change.httpPutResponseHopLimit } : {}),
      ...(change.httpEndpoint ? { HttpEndpoint: change.httpEndpoint } : {}),
      ...(change.instanceMetadataTags ? { InstanceMetadataTags: change.instanceMetadataTags } : {}),
    });
  }

  dryRunModifyDefaults(change: MetadataDefaults): Promise<DryRunResult> {
    return this.dryRun('ModifyInstanceMetadataDefaults', undefined, () => this.client.send(this.defaultsInput(change, true)));
  }

  async modifyDefaults(change: MetadataDefaults): Promise<void> {
    await this.call('ModifyInstanceMetadataDefaults', undefined, () => this.client.send(this.defaultsInput(change, false)));
  }

  close(): void {
    this.client.destroy();
  }
}
