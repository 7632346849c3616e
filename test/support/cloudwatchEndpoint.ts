// A local Amazon CloudWatch endpoint for tests and benchmarks: GetMetricData over the wire protocols
// in cloudwatch/wire.ts (awsJson1_0 query-compatible for the JS SDK, awsQuery for Debian's aws-cli,
// rpc-v2-cbor for newer botocore), SigV4 checked for service `monitoring`, limits and errors as the
// CloudWatch API reference states them (500 queries a call, Id pattern, MaxDatapoints pagination),
// and throttling on demand (queued faults or a request-rate limit).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DAY_SECONDS, MetricStore } from './cloudwatch/metricStore';
import { CloudWatchError, decodeRequest, encodeError, encodeOutput, type EncodedResponse, type WireProtocol } from './cloudwatch/wire';
import { parseAuthorization, verifySignature } from './ssm/sigv4';
import { FaultQueue } from './faultQueue';

export { MetricStore, DAY_SECONDS };

export interface CloudWatchEndpointOptions {
  store?: MetricStore;
  /** Access key id -> secret. Default AKIDCWTEST / cloudwatch-test-secret. */
  credentials?: Record<string, { secretAccessKey: string }>;
  /** When set, requests signed for another Region are refused. */
  regions?: string[];
  /** Requests a second each operation accepts before answering Throttling (default: no limit). */
  requestsPerSecond?: number;
  port?: number;
  host?: string;
}

export interface CloudWatchCall {
  operation: string;
  protocol: WireProtocol;
  region: string;
  at: number;
  /** Number of MetricDataQueries (GetMetricData). */
  queries: number;
  status: number;
}

export interface CloudWatchEndpoint {
  url: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  store: MetricStore;
  calls: CloudWatchCall[];
  countOf(operation: string, status?: number): number;
  /** The next `times` calls of `operation` answer this error (default Throttling, 400). */
  failNext(operation: string, fault?: { code: string; message?: string; status?: number }, times?: number): void;
  setRequestsPerSecond(limit: number | undefined): void;
  close(): Promise<void>;
}

const MAX_QUERIES = 500;
const DEFAULT_MAX_DATAPOINTS = 100_800;
const ID_PATTERN = /^[a-z][a-zA-Z0-9_]{0,254}$/;

interface MetricStatInput {
  Metric?: { Namespace?: string; MetricName?: string; Dimensions?: { Name?: string; Value?: string }[] };
  Period?: number | string;
  Stat?: string;
}
interface QueryInput {
  Id?: string;
  Label?: string;
  Expression?: string;
  ReturnData?: boolean | string;
  MetricStat?: MetricStatInput;
}

function invalid(message: string): CloudWatchError {
  return new CloudWatchError('InvalidParameterValue', message);
}

/** Pages cut by datapoints: the token says which query and which of its datapoints come next. */
function parseToken(token: unknown): { query: number; point: number } {
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { q?: unknown; p?: unknown };
    if (typeof parsed.q === 'number' && typeof parsed.p === 'number') return { query: parsed.q, point: parsed.p };
  } catch {
    // falls through to the error CloudWatch gives
  }
  throw new CloudWatchError('InvalidNextToken', 'The service cannot process the NextToken you provided.');
}

export async function startCloudWatchEndpoint(options: CloudWatchEndpointOptions = {}): Promise<CloudWatchEndpoint> {
  const store = options.store ?? new MetricStore();
  const credentials = options.credentials ?? { AKIDCWTEST: { secretAccessKey: 'cloudwatch-test-secret' } };
  const [defaultKey] = Object.keys(credentials);
  const calls: CloudWatchCall[] = [];
  const faults = new FaultQueue<{ code: string; message: string; status: number }>();
  let requestsPerSecond = options.requestsPerSecond;
  const buckets = new Map<string, { tokens: number; at: number }>();

  /** Token bucket per operation: a burst of one second's worth, refilled continuously. */
  function overRate(operation: string): boolean {
    if (!requestsPerSecond) return false;
    const now = Date.now();
    const bucket = buckets.get(operation) ?? { tokens: requestsPerSecond, at: now };
    bucket.tokens = Math.min(requestsPerSecond, bucket.tokens + ((now - bucket.at) / 1000) * requestsPerSecond);
    bucket.at = now;
    buckets.set(operation, bucket);
    if (bucket.tokens < 1) return true;
    bucket.tokens -= 1;
    return false;
  }

  function getMetricData(input: Record<string, unknown>, region: string): Record<string, unknown> {
    const queries = input.MetricDataQueries as QueryInput[] | undefined;
    if (!Array.isArray(queries) || queries.length === 0) throw new CloudWatchError('MissingParameter', 'The parameter MetricDataQueries is required.');
    if (queries.length > MAX_QUERIES) {
      throw invalid(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
    }
    const start = input.StartTime as Date | undefined;
    const end = input.EndTime as Date | undefined;
    if (!start || !end) throw new CloudWatchError('MissingParameter', 'The parameters StartTime and EndTime are required.');
    if (start.getTime() >= end.getTime()) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
    const maxDatapoints = input.MaxDatapoints === undefined ? DEFAULT_MAX_DATAPOINTS : Number(input.MaxDatapoints);
    if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) throw invalid('The parameter MaxDatapoints must be a positive integer.');
    const ascending = input.ScanBy === 'TimestampAscending';
    const seen = new Set<string>();
    for (const query of queries) {
      if (!query.Id || !ID_PATTERN.test(query.Id)) {
        throw invalid(`The value ${query.Id ?? ''} for parameter MetricDataQueries.member.Id is invalid: it must start with a lowercase letter and hold only letters, digits and underscores.`);
      }
      if (seen.has(query.Id)) throw invalid(`The values for parameter id in MetricDataQueries are not unique: ${query.Id}.`);
      seen.add(query.Id);
      if (query.Expression !== undefined) throw invalid('The local CloudWatch endpoint answers MetricStat queries only, not Expression.');
      if (!query.MetricStat?.Metric?.MetricName || !query.MetricStat.Metric.Namespace) {
        throw new CloudWatchError('MissingParameter', `The parameter MetricDataQueries.member.MetricStat is required for ${query.Id}.`);
      }
    }
    let cursor = input.NextToken === undefined ? { query: 0, point: 0 } : parseToken(input.NextToken);
    const results: Record<string, unknown>[] = [];
    let budget = maxDatapoints;
    let next: string | undefined;
    for (let index = cursor.query; index < queries.length; index += 1) {
      const query = queries[index];
      const stat = query.MetricStat as MetricStatInput;
      const dimensions = Object.fromEntries((stat.Metric?.Dimensions ?? []).map((d) => [String(d.Name), String(d.Value)]));
      const period = Number(stat.Period);
      if (!Number.isInteger(period) || period < 1 || period % 60 !== 0) throw invalid(`The parameter Period of ${query.Id} must be a multiple of 60.`);
      const points = store.query(
        { region, namespace: String(stat.Metric?.Namespace), metricName: String(stat.Metric?.MetricName), dimensions },
        Math.floor(start.getTime() / 1000), Math.floor(end.getTime() / 1000), period, String(stat.Stat),
      ) ?? { timestamps: [], values: [] };
      if (String(query.ReturnData) === 'false') continue;
      let timestamps = points.timestamps;
      let values = points.values;
      if (!ascending) {
        timestamps = [...timestamps].reverse();
        values = [...values].reverse();
      }
      const from = index === cursor.query ? cursor.point : 0;
      const take = Math.min(budget, timestamps.length - from);
      const complete = from + take >= timestamps.length;
      results.push({
        Id: query.Id,
        Label: query.Label ?? String(stat.Metric?.MetricName),
        Timestamps: timestamps.slice(from, from + take).map((t) => new Date(t * 1000)),
        Values: values.slice(from, from + take),
        StatusCode: complete ? 'Complete' : 'PartialData',
      });
      budget -= take;
      if (!complete || (budget === 0 && index + 1 < queries.length)) {
        cursor = complete ? { query: index + 1, point: 0 } : { query: index, point: from + take };
        next = Buffer.from(JSON.stringify({ q: cursor.query, p: cursor.point })).toString('base64url');
        break;
      }
    }
    return { MetricDataResults: results, ...(next ? { NextToken: next } : {}), Messages: [] };
  }

  const operations: Record<string, (input: Record<string, unknown>, region: string) => Record<string, unknown>> = {
    GetMetricData: getMetricData,
  };

  function answer(req: IncomingMessage, raw: Buffer): { response: EncodedResponse; call?: Omit<CloudWatchCall, 'status'> } {
    const requestId = randomUUID();
    let protocol: WireProtocol = 'query';
    try {
      const decoded = decodeRequest(req.method ?? '', req.url ?? '/', req.headers, raw);
      if (!decoded) throw new CloudWatchError('InvalidAction', 'The request is not a CloudWatch API call (POST / with X-Amz-Target, a form body, or rpc-v2-cbor).', 404);
      protocol = decoded.protocol;
      const auth = parseAuthorization(req.headers.authorization);
      if (!auth) throw new CloudWatchError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
      const account = credentials[auth.accessKeyId];
      if (!account) throw new CloudWatchError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
      if (auth.service !== 'monitoring') throw new CloudWatchError('SignatureDoesNotMatch', "Credential should be scoped to correct service: 'monitoring'.", 403);
      if (options.regions && !options.regions.includes(auth.region)) {
        throw new CloudWatchError('SignatureDoesNotMatch', `Credential should be scoped to a valid region, not '${auth.region}'.`, 403);
      }
      if (!verifySignature(auth, req.method ?? 'POST', req.url ?? '/', req.headers, raw, account.secretAccessKey)) {
        throw new CloudWatchError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.', 403);
      }
      const queries = Array.isArray(decoded.input.MetricDataQueries) ? decoded.input.MetricDataQueries.length : 0;
      const call = { operation: decoded.operation, protocol, region: auth.region, at: Date.now(), queries };
      try {
        const handler = operations[decoded.operation];
        if (!handler) throw new CloudWatchError('InvalidAction', `The local CloudWatch endpoint does not answer ${decoded.operation}.`);
        const fault = faults.take(decoded.operation);
        if (fault) throw new CloudWatchError(fault.code, fault.message, fault.status);
        if (overRate(decoded.operation)) throw new CloudWatchError('Throttling', 'Rate exceeded');
        return { response: encodeOutput(protocol, decoded.operation, handler(decoded.input, auth.region), requestId), call };
      } catch (error) {
        const failure = error instanceof CloudWatchError ? error : new CloudWatchError('InternalServiceError', String(error), 500);
        return { response: encodeError(protocol, failure, requestId), call };
      }
    } catch (error) {
      const failure = error instanceof CloudWatchError ? error : new CloudWatchError('InternalServiceError', String(error), 500);
      return { response: encodeError(protocol, failure, requestId) };
    }
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { response, call } = answer(req, Buffer.concat(chunks));
      if (call) calls.push({ ...call, status: response.status });
      res.writeHead(response.status, { ...response.headers, 'Content-Length': response.body.length });
      res.end(response.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    credentials: { accessKeyId: defaultKey, secretAccessKey: credentials[defaultKey].secretAccessKey },
    store,
    calls,
    countOf: (operation, status) => calls.filter((c) => c.operation === operation && (status === undefined || c.status === status)).length,
    failNext: (operation, fault = { code: 'Throttling', message: 'Rate exceeded' }, times = 1) =>
      faults.add(operation, { code: fault.code, message: fault.message ?? fault.code, status: fault.status ?? 400 }, times),
    setRequestsPerSecond: (limit) => {
      requestsPerSecond = limit;
      buckets.clear();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
