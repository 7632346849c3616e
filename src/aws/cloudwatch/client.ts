// The CloudWatch client, made like every AWS client here (src/aws/connection.ts: profile, SSO,
// chain, Region, endpoint). Imported only from lazily loaded modules: the SDK never loads at
// activation. Throttling is retried by the SDK's standard retry (attempts from the connection).
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { clientConfig, type AwsConnectionOptions } from '../connection';

export async function connectCloudWatch(options: AwsConnectionOptions): Promise<CloudWatchClient> {
  return new CloudWatchClient(await clientConfig(options, 6));
}
