// A local Amazon EC2 endpoint for tests, benchmarks and people: it speaks the EC2 Query protocol
// (form-encoded POST, `Action=…&Version=2016-11-15`, SigV4 checked, XML answers in EC2's namespace,
// errors as `<Response><Errors><Error><Code>`), so the real @aws-sdk/client-ec2 and the AWS CLI
// talk to it through their endpoint option. It holds any number of instances across Regions
// (test/support/ec2/store.ts); the Region of a request is the one it was signed for. DryRun answers
// DryRunOperation or UnauthorizedOperation, RequestLimitExceeded comes on demand, and a metadata
// change stays `pending` for a configurable time before `applied`, when hooks run (the emulator
// wiring, test/support/ec2/wire.ts, changes the emulated instance then).
// Shapes follow the EC2 service model (botocore data/ec2/2016-11-15/service-2.json).
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boolParam, filterParams, listParam, parseQuery, wildcardMatch, type QueryParams } from './ec2/query';
import { Ec2Store, type AssociationRecord, type Ec2InstanceRecord, type MetadataDefaultsRecord, type MetadataOptionsRecord } from './ec2/store';
import { errorXml, responseXml, type XmlValue } from './ec2/xml';
import { parseAuthorization, verifySignature } from './ssm/sigv4';
import { FaultQueue } from './faultQueue';

export interface Ec2EndpointOptions {
  /** Instances to start with (any Regions). More can be added through `store`. */
  instances?: Ec2InstanceRecord[];
  accountId?: string;
  /** Access key id -> secret. Default AKIDEC2TEST / ec2-test-secret. */
  credentials?: Record<string, { secretAccessKey: string; userName?: string }>;
  /** Time a metadata change stays `pending` before `applied` (default 300 ms). */
  applyDelayMs?: number;
  /** Port to listen on (default 0: a free one). Always 127.0.0.1. */
  port?: number;
  /** Regions DescribeRegions lists besides those holding instances. */
  regions?: string[];
}

export interface Ec2Call {
  operation: string;
  region: string;
  accessKeyId: string;
  dryRun: boolean;
  at: number;
  params: Record<string, string>;
  /** The error code answered, if any. */
  error?: string;
}

export interface InjectedFault {
  code: string;
  message?: string;
  status?: number;
}

/** Runs when an instance's metadata options reach `applied`. */
export type AppliedHook = (record: Ec2InstanceRecord) => void;
/** Supplies an instance's associations live (the emulator wiring follows its scenario). */
export type AssociationSource = () => AssociationRecord[];

export interface Ec2Endpoint {
  url: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  store: Ec2Store;
  calls: Ec2Call[];
  countOf(operation: string, filter?: { dryRun?: boolean }): number;
  /** The next `times` calls of `operation` answer this error (RequestLimitExceeded by default). */
  failNext(operation: string, fault?: InjectedFault, times?: number): void;
  clearFaults(): void;
  /** Makes the caller lack IAM permission `action`, e.g. `ec2:ModifyInstanceMetadataOptions`. */
  deny(action: string): void;
  allow(action: string): void;
  setApplyDelay(ms: number): void;
  onApplied(instanceId: string, hook: AppliedHook): void;
  setAssociationSource(instanceId: string, source: AssociationSource | undefined): void;
  /** Resolves when no change is pending. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

// The IAM action EC2 checks for each operation. Written here again, not imported from
// src/aws/ec2/errors.ts: the endpoint plays the service, so a wrong table in the client shows up.
export const ACTIONS: Record<string, string> = {
  DescribeInstances: 'ec2:DescribeInstances',
  DescribeIamInstanceProfileAssociations: 'ec2:DescribeIamInstanceProfileAssociations',
  GetInstanceMetadataDefaults: 'ec2:GetInstanceMetadataDefaults',
  ModifyInstanceMetadataOptions: 'ec2:ModifyInstanceMetadataOptions',
  ModifyInstanceMetadataDefaults: 'ec2:ModifyInstanceMetadataDefaults',
  DescribeRegions: 'ec2:DescribeRegions',
};

class Ec2ServiceError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const invalidValue = (message: string) => new Ec2ServiceError('InvalidParameterValue', message);
const INSTANCE_ID = /^i-([0-9a-f]{8}|[0-9a-f]{17})$/;
const STATE_CODES: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };

function optionsXml(options: MetadataOptionsRecord): XmlValue {
  return {
    state: options.state,
    httpTokens: options.httpTokens,
    httpPutResponseHopLimit: options.httpPutResponseHopLimit,
    httpEndpoint: options.httpEndpoint,
    httpProtocolIpv6: options.httpProtocolIpv6,
    instanceMetadataTags: options.instanceMetadataTags,
  };
}

function instanceXml(record: Ec2InstanceRecord): XmlValue {
  const tags = Object.entries(record.tags);
  return {
    instanceId: record.instanceId,
    imageId: record.imageId ?? 'ami-0abcdef1234567890',
    instanceState: { code: STATE_CODES[record.state] ?? 16, name: record.state },
    privateDnsName: record.privateIpAddress ? `ip-${record.privateIpAddress.replace(/\./g, '-')}.${record.region}.compute.internal` : undefined,
    instanceType: record.instanceType,
    launchTime: record.launchTime,
    placement: { availabilityZone: record.availabilityZone ?? `${record.region}a`, tenancy: 'default' },
    platform: record.platform,
    privateIpAddress: record.privateIpAddress,
    iamInstanceProfile: record.iamInstanceProfile ? { arn: record.iamInstanceProfile.arn, id: record.iamInstanceProfile.id } : undefined,
    tagSet: tags.length ? tags.map(([key, value]) => ({ key, value })) : undefined,
    metadataOptions: optionsXml(record.metadataOptions),
    platformDetails: record.platformDetails,
  };
}

/** DescribeInstances filters this endpoint knows (EC2 knows more; an unknown one is refused as EC2 does). */
function instanceFilter(name: string, values: string[]): (record: Ec2InstanceRecord) => boolean {
  const any = (value: string | undefined) => value !== undefined && values.some((pattern) => wildcardMatch(pattern, value));
  if (name.startsWith('tag:')) {
    const key = name.slice(4);
    return (r) => any(r.tags[key]);
  }
  switch (name) {
    case 'instance-id': return (r) => any(r.instanceId);
    case 'instance-state-name': return (r) => any(r.state);
    case 'instance-type': return (r) => any(r.instanceType);
    case 'platform': return (r) => any(r.platform);
    case 'platform-details': return (r) => any(r.platformDetails);
    case 'tag-key': return (r) => Object.keys(r.tags).some((key) => any(key));
    case 'iam-instance-profile.arn': return (r) => any(r.iamInstanceProfile?.arn);
    case 'metadata-options.http-tokens': return (r) => any(r.metadataOptions.httpTokens);
    case 'metadata-options.http-put-response-hop-limit': return (r) => any(String(r.metadataOptions.httpPutResponseHopLimit));
    case 'metadata-options.http-endpoint': return (r) => any(r.metadataOptions.httpEndpoint);
    case 'metadata-options.instance-metadata-tags': return (r) => any(r.metadataOptions.instanceMetadataTags);
    default: throw invalidValue(`The filter '${name}' is invalid`);
  }
}

/** NextToken: opaque to clients; here the offset plus a digest of the query it belongs to. */
function pageToken(offset: number, query: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: createHash('sha256').update(query).digest('hex').slice(0, 16) })).toString('base64url');
}

function readPageToken(token: string | undefined, query: string): number {
  if (token === undefined) return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; q?: unknown };
    const expected = createHash('sha256').update(query).digest('hex').slice(0, 16);
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.q === expected) return parsed.o;
  } catch {
    // fall through
  }
  throw invalidValue(`Invalid value '${token}' for nextToken`);
}

function maxResults(params: QueryParams, min: number, max: number, fallback: number): number {
  const raw = params.get('MaxResults');
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw invalidValue(`Value ( ${raw} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`);
  return n;
}

function choice<T extends string>(params: QueryParams, name: string, allowed: readonly T[]): T | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) throw invalidValue(`Value (${raw}) for parameter ${name} is invalid. Valid values: ${allowed.join(', ')}.`);
  return raw as T;
}

export async function startEc2Endpoint(options: Ec2EndpointOptions = {}): Promise<Ec2Endpoint> {
  const accountId = options.accountId ?? '123456789012';
  const credentials = options.credentials ?? { AKIDEC2TEST: { secretAccessKey: 'ec2-test-secret' } };
  const [defaultKey] = Object.keys(credentials);
  const store = new Ec2Store();
  store.put(...(options.instances ?? []));
  let applyDelayMs = options.applyDelayMs ?? 300;
  const calls: Ec2Call[] = [];
  const faults = new FaultQueue<InjectedFault>();
  const denied = new Set<string>();
  const hooks = new Map<string, AppliedHook>();
  const associationSources = new Map<string, AssociationSource>();
  const pending = new Map<string, { timer: NodeJS.Timeout; done: () => void; finished: Promise<void> }>();

  function instanceIn(region: string, instanceId: string | undefined): Ec2InstanceRecord {
    if (!instanceId) throw new Ec2ServiceError('MissingParameter', 'The request must contain the parameter InstanceId');
    if (!INSTANCE_ID.test(instanceId)) throw new Ec2ServiceError('InvalidInstanceID.Malformed', `Invalid id: "${instanceId}"`);
    const record = store.get(region, instanceId);
    if (!record) throw new Ec2ServiceError('InvalidInstanceID.NotFound', `The instance ID '${instanceId}' does not exist`);
    return record;
  }

  function associationsOf(region: string): AssociationRecord[] {
    const live: AssociationRecord[] = [];
    for (const [instanceId, source] of associationSources) {
      for (const a of source()) if (a.region === region && a.instanceId === instanceId) live.push(a);
    }
    const overridden = new Set(associationSources.keys());
    return [...store.associations(region).filter((a) => !overridden.has(a.instanceId)), ...live];
  }

  // ---- operations -------------------------------------------------------------------------

  function describeInstances(params: QueryParams, region: string): Record<string, XmlValue> {
    const ids = listParam(params, 'InstanceId');
    if (ids.length && params.has('MaxResults')) {
      throw new Ec2ServiceError('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
    }
    const filters = filterParams(params).map((f) => instanceFilter(f.name, f.values));
    let selected: Ec2InstanceRecord[];
    if (ids.length) {
      selected = ids.map((id) => instanceIn(region, id));
    } else {
      selected = store.list(region);
    }
    selected = selected.filter((record) => filters.every((f) => f(record)));
    const size = maxResults(params, 5, 1000, 1000);
    const query = JSON.stringify([...params].filter(([k]) => k !== 'NextToken' && k !== 'MaxResults').sort());
    const offset = readPageToken(params.get('NextToken'), query);
    const page = selected.slice(offset, offset + size);
    const next = offset + size < selected.length ? pageToken(offset + size, query) : undefined;
    return {
      reservationSet: page.map((record) => ({
        reservationId: `r-${record.instanceId.slice(2)}`,
        ownerId: accountId,
        groupSet: [],
        instancesSet: [instanceXml(record)],
      })),
      nextToken: next,
    };
  }

  function describeAssociations(params: QueryParams, region: string): Record<string, XmlValue> {
    const ids = listParam(params, 'AssociationId');
    const filters = filterParams(params).map(({ name, values }) => {
      const any = (value: string) => values.some((pattern) => wildcardMatch(pattern, value));
      if (name === 'instance-id') return (a: AssociationRecord) => any(a.instanceId);
      if (name === 'state') return (a: AssociationRecord) => any(a.state);
      throw invalidValue(`The filter '${name}' is invalid`);
    });
    const selected = associationsOf(region).filter((a) => (ids.length === 0 || ids.includes(a.associationId)) && filters.every((f) => f(a)));
    const size = maxResults(params, 5, 1000, 1000);
    const query = JSON.stringify([...params].filter(([k]) => k !== 'NextToken' && k !== 'MaxResults').sort());
    const offset = readPageToken(params.get('NextToken'), query);
    return {
      iamInstanceProfileAssociationSet: selected.slice(offset, offset + size).map((a) => ({
        associationId: a.associationId,
        instanceId: a.instanceId,
        iamInstanceProfile: { arn: a.arn, id: a.profileId },
        state: a.state,
        timestamp: a.timestamp,
      })),
      nextToken: offset + size < selected.length ? pageToken(offset + size, query) : undefined,
    };
  }

  function getDefaults(_params: QueryParams, region: string): Record<string, XmlValue> {
    const d = store.defaults(region);
    return {
      accountLevel: {
        httpTokens: d.httpTokens,
        httpPutResponseHopLimit: d.httpPutResponseHopLimit,
        httpEndpoint: d.httpEndpoint,
        instanceMetadataTags: d.instanceMetadataTags,
        managedBy: 'account',
      },
    };
  }

  /** Parses ModifyInstanceMetadataOptions; the record is only changed by modifyOptions. */
  function optionsChange(params: QueryParams): Partial<MetadataOptionsRecord> {
    const change: Partial<MetadataOptionsRecord> = {};
    const tokens = choice(params, 'HttpTokens', ['optional', 'required'] as const);
    if (tokens) change.httpTokens = tokens;
    const hop = params.get('HttpPutResponseHopLimit');
    if (hop !== undefined) {
      const n = Number(hop);
      if (!Number.isInteger(n) || n < 1 || n > 64) throw invalidValue(`The HttpPutResponseHopLimit value ${hop} is not valid. Specify a value from 1 to 64.`);
      change.httpPutResponseHopLimit = n;
    }
    const endpoint = choice(params, 'HttpEndpoint', ['enabled', 'disabled'] as const);
    if (endpoint) change.httpEndpoint = endpoint;
    const ipv6 = choice(params, 'HttpProtocolIpv6', ['enabled', 'disabled'] as const);
    if (ipv6) change.httpProtocolIpv6 = ipv6;
    const tags = choice(params, 'InstanceMetadataTags', ['enabled', 'disabled'] as const);
    if (tags) change.instanceMetadataTags = tags;
    return change;
  }

  function modifyOptions(params: QueryParams, region: string, dryRun: boolean): Record<string, XmlValue> | 'dry-run' {
    const record = instanceIn(region, params.get('InstanceId'));
    const change = optionsChange(params);
    if (record.state === 'terminated' || record.state === 'shutting-down') {
      throw new Ec2ServiceError('IncorrectInstanceState', `The instance '${record.instanceId}' is not in a state from which it can be modified.`);
    }
    if (dryRun) return 'dry-run';
    record.metadataOptions = { ...record.metadataOptions, ...change, state: 'pending' };
    schedule(record);
    return { instanceId: record.instanceId, instanceMetadataOptions: optionsXml(record.metadataOptions) };
  }

  function modifyDefaults(params: QueryParams, region: string, dryRun: boolean): Record<string, XmlValue> | 'dry-run' {
    const current: MetadataDefaultsRecord = store.defaults(region);
    const tokens = choice(params, 'HttpTokens', ['optional', 'required', 'no-preference'] as const);
    const endpoint = choice(params, 'HttpEndpoint', ['enabled', 'disabled', 'no-preference'] as const);
    const tags = choice(params, 'InstanceMetadataTags', ['enabled', 'disabled', 'no-preference'] as const);
    const hopText = params.get('HttpPutResponseHopLimit');
    const hop = hopText === undefined ? undefined : Number(hopText);
    if (hop !== undefined && !(hop === -1 || (Number.isInteger(hop) && hop >= 1 && hop <= 64))) {
      throw invalidValue(`The HttpPutResponseHopLimit value ${hopText} is not valid. Specify a value from 1 to 64, or -1 for no preference.`);
    }
    if (dryRun) return 'dry-run';
    const next: MetadataDefaultsRecord = { ...current };
    if (tokens) next.httpTokens = tokens === 'no-preference' ? undefined : tokens;
    if (endpoint) next.httpEndpoint = endpoint === 'no-preference' ? undefined : endpoint;
    if (tags) next.instanceMetadataTags = tags === 'no-preference' ? undefined : tags;
    if (hop !== undefined) next.httpPutResponseHopLimit = hop === -1 ? undefined : hop;
    store.setDefaults(region, Object.fromEntries(Object.entries(next).filter(([, v]) => v !== undefined)));
    return { return: true };
  }

  function schedule(record: Ec2InstanceRecord) {
    const previous = pending.get(record.instanceId);
    if (previous) {
      clearTimeout(previous.timer);
      previous.done();
    }
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const timer = setTimeout(() => {
      pending.delete(record.instanceId);
      record.metadataOptions = { ...record.metadataOptions, state: 'applied' };
      try {
        hooks.get(record.instanceId)?.(record);
      } finally {
        done();
      }
    }, applyDelayMs);
    pending.set(record.instanceId, { timer, done, finished });
  }

  /** DescribeRegions: the Regions holding instances (plus `regions`), all enabled without opt-in. */
  function describeRegions(params: QueryParams): Record<string, XmlValue> {
    const names = [...new Set([...(options.regions ?? []), ...store.regionNames()])].sort();
    const wanted = listParam(params, 'RegionName');
    return {
      regionInfo: names
        .filter((name) => wanted.length === 0 || wanted.includes(name))
        .map((regionName) => ({ regionName, regionEndpoint: `ec2.${regionName}.amazonaws.com`, optInStatus: 'opt-in-not-required' })),
    };
  }

  type Handler = (params: QueryParams, region: string, dryRun: boolean) => Record<string, XmlValue> | 'dry-run';
  const operations: Record<string, Handler> = {
    DescribeInstances: (p, r, dry) => (dry ? 'dry-run' : describeInstances(p, r)),
    DescribeIamInstanceProfileAssociations: (p, r) => describeAssociations(p, r),
    GetInstanceMetadataDefaults: (p, r, dry) => (dry ? 'dry-run' : getDefaults(p, r)),
    ModifyInstanceMetadataOptions: modifyOptions,
    ModifyInstanceMetadataDefaults: modifyDefaults,
    DescribeRegions: (p, _r, dry) => (dry ? 'dry-run' : describeRegions(p)),
  };

  function resourceOf(operation: string, params: QueryParams, region: string): string {
    const id = params.get('InstanceId');
    return operation === 'ModifyInstanceMetadataOptions' && id ? `arn:aws:ec2:${region}:${accountId}:instance/${id}` : '*';
  }

  /** EC2's UnauthorizedOperation: the readable reason, then the encoded one STS can decode. */
  function unauthorized(operation: string, params: QueryParams, region: string, userName: string): Ec2ServiceError {
    const action = ACTIONS[operation];
    const principal = `arn:aws:iam::${accountId}:user/${userName}`;
    const resource = resourceOf(operation, params, region);
    const encoded = Buffer.from(JSON.stringify({ allowed: false, explicitDeny: false, matchedStatements: { items: [] }, context: { principal: { arn: principal }, action, resource } })).toString('base64url');
    return new Ec2ServiceError('UnauthorizedOperation',
      `You are not authorized to perform this operation. User: ${principal} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action. Encoded authorization failure message: ${encoded}`, 403);
  }

  // ---- HTTP -------------------------------------------------------------------------------

  function send(res: ServerResponse, status: number, xml: string, requestId: string) {
    res.writeHead(status, { 'Content-Type': 'text/xml;charset=UTF-8', 'Content-Length': Buffer.byteLength(xml), 'x-amzn-RequestId': requestId, Server: 'AmazonEC2' });
    res.end(xml);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 1 << 20) return send(res, 413, errorXml('RequestEntityTooLarge', 'Request body too large.', randomUUID()), randomUUID());
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const requestId = randomUUID();
    const fail = (error: Ec2ServiceError) => send(res, error.status, errorXml(error.code, error.message, requestId), requestId);
    if (req.method !== 'POST') return fail(new Ec2ServiceError('InvalidAction', 'This endpoint takes POST requests with a form-encoded body.'));
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) return fail(new Ec2ServiceError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401));
    const account = credentials[auth.accessKeyId];
    if (!account) return fail(new Ec2ServiceError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401));
    if (auth.service !== 'ec2') return fail(new Ec2ServiceError('SignatureDoesNotMatch', `Credential should be scoped to correct service: 'ec2'.`, 403));
    if (!verifySignature(auth, req.method, req.url ?? '/', req.headers, raw, account.secretAccessKey)) {
      return fail(new Ec2ServiceError('SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', 403));
    }
    const params = parseQuery(raw.toString('utf8'));
    const operation = params.get('Action') ?? '';
    const dryRun = boolParam(params, 'DryRun');
    const call: Ec2Call = { operation, region: auth.region, accessKeyId: auth.accessKeyId, dryRun, at: Date.now(), params: Object.fromEntries(params) };
    calls.push(call);
    const answerError = (error: Ec2ServiceError) => {
      call.error = error.code;
      fail(error);
    };
    const handler = operations[operation];
    if (!handler) return answerError(new Ec2ServiceError('InvalidAction', `The action ${operation || '(none)'} is not valid for this web service.`));
    const fault = faults.take(operation);
    if (fault) return answerError(new Ec2ServiceError(fault.code, fault.message ?? 'Request limit exceeded.', fault.status ?? 503));
    try {
      // EC2 validates the request, then checks the permission, then honours DryRun. A handler
      // called with dryRun only validates: it changes nothing.
      if (denied.has(ACTIONS[operation])) {
        handler(params, auth.region, true);
        throw unauthorized(operation, params, auth.region, account.userName ?? 'ec2-test');
      }
      const result = handler(params, auth.region, dryRun);
      if (result === 'dry-run') throw new Ec2ServiceError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
      send(res, 200, responseXml(operation, requestId, result), requestId);
    } catch (error) {
      answerError(error instanceof Ec2ServiceError ? error : new Ec2ServiceError('InternalError', 'An internal error has occurred', 500));
    }
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, errorXml('InternalError', 'An internal error has occurred', 'internal'), 'internal');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountId,
    credentials: { accessKeyId: defaultKey, secretAccessKey: credentials[defaultKey].secretAccessKey },
    store,
    calls,
    countOf: (operation, filter = {}) => calls.filter((c) => c.operation === operation && (filter.dryRun === undefined || c.dryRun === filter.dryRun)).length,
    failNext: (operation, fault = { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 }, times = 1) => faults.add(operation, fault, times),
    clearFaults: () => faults.clear(),
    deny: (action) => void denied.add(action),
    allow: (action) => void denied.delete(action),
    setApplyDelay: (ms) => {
      applyDelayMs = ms;
    },
    onApplied: (instanceId, hook) => void hooks.set(instanceId, hook),
    setAssociationSource: (instanceId, source) => {
      if (source) associationSources.set(instanceId, source);
      else associationSources.delete(instanceId);
    },
    settled: async () => {
      await Promise.all([...pending.values()].map((p) => p.finished));
    },
    close: async () => {
      for (const p of pending.values()) {
        clearTimeout(p.timer);
        p.done();
      }
      pending.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
