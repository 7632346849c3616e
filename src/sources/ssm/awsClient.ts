// Creates the SSM client. The AWS SDK is loaded here, lazily, with dynamic import() inside
// functions only: activating the extension (or running an emulator-only CLI command) never loads
// it. Credentials come the way AWS users expect: explicit keys (tests), a named profile from
// ~/.aws/config and ~/.aws/credentials (SSO profiles included), or the standard provider chain.

import type { SSMClient, SSMClientConfig } from '@aws-sdk/client-ssm';

/** Static keys or a provider of them, as the SSM client takes them. */
export type AwsCredentialsInput = NonNullable<SSMClientConfig['credentials']>;

export type SsmSdk = typeof import('@aws-sdk/client-ssm');

export interface AwsConnectionOptions {
  /** AWS Region of the instance, e.g. eu-west-1. Default: the profile's region, then AWS_REGION. */
  region?: string;
  /** Named profile (~/.aws/config), SSO profiles included. Default: the standard chain (AWS_PROFILE ...). */
  profile?: string;
  /** Override of the SSM API endpoint (VPC endpoint, local test endpoint), e.g. https://ssm.eu-west-1.amazonaws.com. */
  endpoint?: string;
  /** Static credentials or a provider; when set, profile and chain are not used. */
  credentials?: AwsCredentialsInput;
  /** SDK attempts per API call (retries with backoff on throttling and 5xx). Default 4. */
  maxAttempts?: number;
}

export interface SsmConnection {
  sdk: SsmSdk;
  client: SSMClient;
  /** The Region the client resolved (for messages and labels). */
  region: string;
  profile?: string;
  endpoint?: string;
}

let sdkPromise: Promise<SsmSdk> | undefined;

/** Loads @aws-sdk/client-ssm once, on first use. */
export function loadSsmSdk(): Promise<SsmSdk> {
  // The SDK warns on Node 20 about its future releases; VS Code's extension host is Node 20, and the
  // warning is noise for users who cannot change it. Respect an explicit setting.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  sdkPromise ??= import('@aws-sdk/client-ssm');
  return sdkPromise;
}

async function credentialProvider(options: AwsConnectionOptions): Promise<AwsCredentialsInput> {
  if (options.credentials) return options.credentials;
  const providers = await import('@aws-sdk/credential-providers');
  if (options.profile) return providers.fromIni({ profile: options.profile });
  return providers.fromNodeProviderChain();
}

export async function connectSsm(options: AwsConnectionOptions): Promise<SsmConnection> {
  const sdk = await loadSsmSdk();
  const credentials = await credentialProvider(options);
  const client = new sdk.SSMClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials,
    maxAttempts: options.maxAttempts ?? 4,
  });
  let region = options.region ?? '';
  try {
    region = await client.config.region();
  } catch {
    // No region anywhere: the first call says so, with a remedy (errors.ts, NoRegion).
  }
  return { sdk, client, region, profile: options.profile, endpoint: options.endpoint };
}
