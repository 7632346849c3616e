// Credentials, Region and endpoint for every AWS client the extension makes (SSM, EC2, ...): one
// place that knows the ways AWS users sign in: explicit keys (tests), a named profile from
// ~/.aws/config and ~/.aws/credentials (SSO profiles included), or the standard provider chain.
// The credential providers load with import() on first use: they are part of the lazy AWS bundle.

import type { SSMClientConfig } from '@aws-sdk/client-ssm';

/** Static keys or a provider of them, as the SDK clients take them. */
export type AwsCredentialsInput = NonNullable<SSMClientConfig['credentials']>;

export interface AwsConnectionOptions {
  /** AWS Region, e.g. eu-west-1. Default: the profile's region, then AWS_REGION. */
  region?: string;
  /** Named profile (~/.aws/config), SSO profiles included. Default: the standard chain (AWS_PROFILE ...). */
  profile?: string;
  /** Override of the service's API endpoint (VPC endpoint, local test endpoint). */
  endpoint?: string;
  /** Static credentials or a provider; when set, profile and chain are not used. */
  credentials?: AwsCredentialsInput;
  /** SDK attempts per API call (retries with backoff on throttling and 5xx). Default 4. */
  maxAttempts?: number;
}

/** The SDK warns on Node 20 about its future releases; VS Code's extension host is Node 20, and the
 * warning is noise for users who cannot change it. Respect an explicit setting. */
export function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export async function credentialProvider(options: AwsConnectionOptions): Promise<AwsCredentialsInput> {
  if (options.credentials) return options.credentials;
  const providers = await import('./sdk/credentials');
  if (options.profile) return providers.fromIni({ profile: options.profile });
  return providers.fromNodeProviderChain();
}

/** The configuration every client shares (Region, profile, endpoint, credentials, attempts). */
export async function clientConfig(options: AwsConnectionOptions, defaultAttempts = 4) {
  quietNodeVersionWarning();
  const credentials = await credentialProvider(options);
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    credentials,
    maxAttempts: options.maxAttempts ?? defaultAttempts,
  };
}

/** The Region a client resolved, or the one asked for when none resolves (the first call then says so). */
export async function resolvedRegion(client: { config: { region: () => Promise<string> } }, asked: string | undefined): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    return asked ?? '';
  }
}
