// Which IMDS endpoint to talk to and whether IMDS may be used at all, from explicit options and
// the environment variables the AWS SDKs and CLI honour (so people get what they already expect).
// Explicit options win over the environment; the environment wins over the defaults.

export const IPV4_ENDPOINT = 'http://169.254.169.254';
export const IPV6_ENDPOINT = 'http://[fd00:ec2::254]';

export const ENV_ENDPOINT = 'AWS_EC2_METADATA_SERVICE_ENDPOINT';
export const ENV_ENDPOINT_MODE = 'AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE';
export const ENV_DISABLED = 'AWS_EC2_METADATA_DISABLED';
export const ENV_V1_DISABLED = 'AWS_EC2_METADATA_V1_DISABLED';

export type EndpointMode = 'IPv4' | 'IPv6';
export type VersionPolicy = 'auto' | 'v2-only' | 'v1-only';

export type Env = Record<string, string | undefined>;

export interface EndpointChoice {
  /** Origin to send requests to, e.g. `http://169.254.169.254` or `http://127.0.0.1:1338`. */
  origin: string;
  /** Where the choice came from, for the doctor and the status bar. */
  from: 'option' | 'env-endpoint' | 'mode' | 'env-mode' | 'default';
}

/** A bad endpoint setting, with the setting's name in the message. */
export class EndpointConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointConfigError';
  }
}

/** `true`/`1`/`yes` (any case) is on; unset, empty, `false`/`0`/`no` are off. */
export function envFlag(value: string | undefined): boolean {
  if (value === undefined) return false;
  return ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());
}

export function isImdsDisabled(env: Env): boolean {
  return envFlag(env[ENV_DISABLED]);
}

export function isV1Disabled(env: Env): boolean {
  return envFlag(env[ENV_V1_DISABLED]);
}

/**
 * Accepts `http://host[:port]`, `https://...`, a bare IPv4 address or host (`169.254.169.254`,
 * `localhost:1338`) or a bare IPv6 address (`fd00:ec2::254`, `[::1]:1338`). Returns the origin.
 */
export function parseEndpoint(input: string, settingName = 'endpoint'): string {
  let text = input.trim();
  if (text === '') throw new EndpointConfigError(`${settingName} is empty: give a URL such as http://169.254.169.254.`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    // A bare IPv6 address has several colons and no brackets.
    if (!text.startsWith('[') && (text.match(/:/g) ?? []).length > 1) text = `[${text}]`;
    text = `http://${text}`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new EndpointConfigError(`${settingName} "${input}" is not a URL: give one such as http://169.254.169.254 or http://[fd00:ec2::254].`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointConfigError(`${settingName} "${input}" uses ${url.protocol}; IMDS speaks http (or https through a proxy).`);
  }
  if (url.username || url.password) throw new EndpointConfigError(`${settingName} "${input}" must not carry credentials.`);
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new EndpointConfigError(`${settingName} "${input}" has a path (${url.pathname}); give only scheme, host and port: the client adds /latest/...`);
  }
  return url.origin;
}

export function parseEndpointMode(input: string, settingName = ENV_ENDPOINT_MODE): EndpointMode {
  const value = input.trim().toLowerCase();
  if (value === 'ipv4') return 'IPv4';
  if (value === 'ipv6') return 'IPv6';
  throw new EndpointConfigError(`${settingName} "${input}" is neither IPv4 nor IPv6.`);
}

export interface EndpointOptions {
  endpoint?: string;
  endpointMode?: EndpointMode;
  env?: Env;
}

/** Resolves the endpoint: option, then AWS_EC2_METADATA_SERVICE_ENDPOINT, then mode, then IPv4. */
export function resolveEndpoint(options: EndpointOptions = {}): EndpointChoice {
  const env = options.env ?? process.env;
  // An endpoint given but blank is an error (parseEndpoint says so), not a silent fall back to
  // 169.254.169.254; callers with an empty setting pass undefined.
  if (options.endpoint !== undefined) return { origin: parseEndpoint(options.endpoint), from: 'option' };
  const envEndpoint = env[ENV_ENDPOINT];
  if (envEndpoint !== undefined && envEndpoint.trim() !== '') return { origin: parseEndpoint(envEndpoint, ENV_ENDPOINT), from: 'env-endpoint' };
  if (options.endpointMode) return { origin: options.endpointMode === 'IPv6' ? IPV6_ENDPOINT : IPV4_ENDPOINT, from: 'mode' };
  const envMode = env[ENV_ENDPOINT_MODE];
  if (envMode !== undefined && envMode.trim() !== '') {
    return { origin: parseEndpointMode(envMode) === 'IPv6' ? IPV6_ENDPOINT : IPV4_ENDPOINT, from: 'env-mode' };
  }
  return { origin: IPV4_ENDPOINT, from: 'default' };
}

/**
 * The effective version policy: AWS_EC2_METADATA_V1_DISABLED turns the default `auto` into
 * `v2-only`. An explicit `v1-only` is a deliberate choice and stays.
 */
export function resolveVersionPolicy(policy: VersionPolicy | undefined, env: Env): VersionPolicy {
  const chosen = policy ?? 'auto';
  if (chosen === 'auto' && isV1Disabled(env)) return 'v2-only';
  return chosen;
}
