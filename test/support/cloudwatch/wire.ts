// The three wire protocols CloudWatch answers, reduced to one request shape and back:
// - awsJson1_0 in query-compatible mode (what @aws-sdk/client-cloudwatch 3.1164 sends:
//   `X-Amz-Target: GraniteServiceVersion20100801.<Op>`, `x-amzn-query-mode: true`, epoch-second
//   timestamps; errors as `{"__type","message"}` plus the `x-amzn-query-error: Code;Type` header);
// - awsQuery (form body `Action=<Op>&Version=2010-08-01&A.member.1.B=…`, XML answers): the
//   protocol of the CloudWatch model in Debian's aws-cli 2.9;
// - smithy-rpc-v2-cbor (`POST /service/GraniteServiceVersion20100801/operation/<Op>`,
//   `smithy-protocol: rpc-v2-cbor`): what botocore 1.40+ picks first.
import { cbor, tag } from '@smithy/core/cbor';

export const SERVICE_TARGET = 'GraniteServiceVersion20100801';
export const XML_NAMESPACE = 'http://monitoring.amazonaws.com/doc/2010-08-01/';
export const API_VERSION = '2010-08-01';

export type WireProtocol = 'json' | 'query' | 'cbor';

export interface DecodedRequest {
  protocol: WireProtocol;
  operation: string;
  input: Record<string, unknown>;
}

export class CloudWatchError extends Error {
  constructor(
    /** The awsQuery error code (e.g. `Throttling`, `InvalidParameterValue`). */
    readonly code: string,
    message: string,
    readonly status = 400,
    /** `Sender` for client faults, `Receiver` for ours. */
    readonly faultType: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

type Headers = Record<string, string | string[] | undefined>;
const header = (headers: Headers, name: string) => String(headers[name] ?? '');

/** Which protocol a request speaks, from its path and headers; undefined when none. */
export function decodeRequest(method: string, url: string, headers: Headers, body: Buffer): DecodedRequest | undefined {
  if (method !== 'POST') return undefined;
  const path = url.split('?')[0];
  const contentType = header(headers, 'content-type');
  const cborMatch = /^\/service\/GraniteServiceVersion20100801\/operation\/(\w+)$/.exec(path);
  if (cborMatch && header(headers, 'smithy-protocol') === 'rpc-v2-cbor') {
    const input = body.length ? (cbor.deserialize(new Uint8Array(body)) as Record<string, unknown>) : {};
    return { protocol: 'cbor', operation: cborMatch[1], input: normaliseTimes(input) };
  }
  if (path !== '/') return undefined;
  const target = header(headers, 'x-amz-target');
  if (target) {
    if (!contentType.startsWith('application/x-amz-json-1.0') || !target.startsWith(`${SERVICE_TARGET}.`)) return undefined;
    let input: Record<string, unknown>;
    try {
      input = body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      throw new CloudWatchError('SerializationException', 'Start of structure or map found where not expected.');
    }
    return { protocol: 'json', operation: target.slice(SERVICE_TARGET.length + 1), input: normaliseTimes(input) };
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body.toString('utf8'));
    const operation = form.get('Action') ?? '';
    form.delete('Action');
    form.delete('Version');
    return { protocol: 'query', operation, input: normaliseTimes(unflattenQuery(form)) };
  }
  return undefined;
}

/** `A.member.2.B=x` → `{ A: [ , { B: 'x' }] }`: awsQuery's flattened lists back into a structure. */
export function unflattenQuery(form: URLSearchParams): Record<string, unknown> {
  type Node = Record<string | number, unknown>;
  const root: Node = {};
  for (const [key, value] of form) {
    const parts = key.split('.');
    let node: Node = root;
    for (let i = 0; i < parts.length; i += 1) {
      if (parts[i] === 'member') continue; // a list marker: the next part is a 1-based index
      const slot = Array.isArray(node) ? Number(parts[i]) - 1 : parts[i];
      if (i === parts.length - 1) {
        node[slot] = value;
        break;
      }
      node[slot] ??= parts[i + 1] === 'member' ? [] : {};
      node = node[slot] as Node;
    }
  }
  return compactLists(root) as Record<string, unknown>;
}

function compactLists(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compactLists);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactLists(v)]));
  }
  return value;
}

/** StartTime/EndTime arrive as epoch seconds (JSON), ISO text (query) or Date (CBOR tag 1). */
function normaliseTimes(input: Record<string, unknown>): Record<string, unknown> {
  for (const key of ['StartTime', 'EndTime']) {
    const raw = input[key];
    if (raw === undefined) continue;
    const date = raw instanceof Date ? raw : typeof raw === 'number' ? new Date(raw * 1000) : new Date(String(raw));
    if (Number.isNaN(date.getTime())) throw new CloudWatchError('InvalidParameterValue', `The parameter ${key} must be a timestamp.`);
    input[key] = date;
  }
  return input;
}

export interface EncodedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const xmlEscape = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** XML for an awsQuery answer; Date → ISO text, arrays → `<member>` lists. */
function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml('member', v)).join('')}</${name}>`;
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === 'object') {
    return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${name}>`;
  }
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** Date values become what each protocol uses for timestamps. */
function mapDates(value: unknown, convert: (date: Date) => unknown): unknown {
  if (value instanceof Date) return convert(value);
  if (Array.isArray(value)) return value.map((v) => mapDates(v, convert));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapDates(v, convert)]));
  return value;
}

export function encodeOutput(protocol: WireProtocol, operation: string, output: Record<string, unknown>, requestId: string): EncodedResponse {
  const common = { 'x-amzn-RequestId': requestId };
  if (protocol === 'json') {
    const body = Buffer.from(JSON.stringify(mapDates(output, (d) => d.getTime() / 1000)));
    return { status: 200, headers: { ...common, 'Content-Type': 'application/x-amz-json-1.0' }, body };
  }
  if (protocol === 'cbor') {
    const body = Buffer.from(cbor.serialize(mapDates(output, (d) => tag({ tag: 1, value: d.getTime() / 1000 }))));
    return { status: 200, headers: { ...common, 'Content-Type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' }, body };
  }
  const xml = `<${operation}Response xmlns="${XML_NAMESPACE}">${toXml(`${operation}Result`, output)}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
  return { status: 200, headers: { ...common, 'Content-Type': 'text/xml' }, body: Buffer.from(xml) };
}

export function encodeError(protocol: WireProtocol, error: CloudWatchError, requestId: string): EncodedResponse {
  const common = { 'x-amzn-RequestId': requestId, 'x-amzn-query-error': `${error.code};${error.faultType}` };
  if (protocol === 'json' || protocol === 'cbor') {
    const payload = { __type: `com.amazonaws.cloudwatch#${error.code}`, message: error.message };
    return protocol === 'json'
      ? { status: error.status, headers: { ...common, 'Content-Type': 'application/x-amz-json-1.0' }, body: Buffer.from(JSON.stringify(payload)) }
      : { status: error.status, headers: { ...common, 'Content-Type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' }, body: Buffer.from(cbor.serialize(payload)) };
  }
  const xml = `<ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${error.faultType}</Type><Code>${xmlEscape(error.code)}</Code>` +
    `<Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: error.status, headers: { ...common, 'Content-Type': 'text/xml' }, body: Buffer.from(xml) };
}
