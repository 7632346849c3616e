// Creates the SSM client. The AWS SDK is loaded here, lazily, with dynamic import() inside
// functions only: activating the extension (or running an emulator-only CLI command) never loads
// it. Credentials, Region and endpoint come from src/aws/connection.ts, shared with the EC2 client.

import type { SSMClient } from '@aws-sdk/client-ssm';
import { clientConfig, quietNodeVersionWarning, resolvedRegion, type AwsConnectionOptions } from '../../aws/connection';

export type { AwsConnectionOptions, AwsCredentialsInput } from '../../aws/connection';

/** The SSM client and the commands used (src/aws/sdk/ssm.ts names them). */
export type SsmSdk = typeof import('../../aws/sdk/ssm').ssmSdk;

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
  quietNodeVersionWarning();
  sdkPromise ??= import('../../aws/sdk/ssm').then((room) => room.ssmSdk);
  return sdkPromise;
}

export async function connectSsm(options: AwsConnectionOptions): Promise<SsmConnection> {
  const sdk = await loadSsmSdk();
  const client = new sdk.SSMClient(await clientConfig(options));
  // No region anywhere: the first call says so, with a remedy (errors.ts, NoRegion).
  const region = await resolvedRegion(client, options.region);
  return { sdk, client, region, profile: options.profile, endpoint: options.endpoint };
}
