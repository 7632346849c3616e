// kms:GenerateDataKey through @aws-sdk/client-kms (a room of the lazy AWS bundle), created on the first KMS-encrypted session only.
// Errors name the permission or key problem, since "KMS failed" helps nobody.

import { SsmError } from '../errors';
import type { DataKey, DataKeySource } from './kms';
import type { AwsCredentialsInput } from '../awsClient';

export interface KmsConnectionOptions {
  region: string;
  credentials: AwsCredentialsInput;
  /** KMS endpoint override (VPC endpoint, local test endpoint); default the SDK's (AWS_ENDPOINT_URL_KMS included). */
  endpoint?: string;
  maxAttempts?: number;
}

function nameOf(error: unknown): string {
  return error && typeof error === 'object' && typeof (error as { name?: unknown }).name === 'string' ? (error as { name: string }).name : '';
}

/** A DataKeySource on a KMS client created on first use; `close` frees it. */
export function kmsDataKeys(options: KmsConnectionOptions): { source: DataKeySource; close(): void } {
  let client: Promise<{ client: import('@aws-sdk/client-kms').KMSClient; sdk: typeof import('../../../aws/sdk/kms').kmsSdk }> | undefined;
  const connect = () => {
    client ??= import('../../../aws/sdk/kms').then(({ kmsSdk: sdk }) => ({
      sdk,
      client: new sdk.KMSClient({
        region: options.region,
        credentials: options.credentials,
        maxAttempts: options.maxAttempts ?? 3,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      }),
    }));
    return client;
  };
  const source: DataKeySource = async (keyId, context): Promise<DataKey> => {
    const { sdk, client: kms } = await connect();
    try {
      const output = await kms.send(new sdk.GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 64, EncryptionContext: context }));
      if (!output.Plaintext || !output.CiphertextBlob || output.Plaintext.length !== 64) {
        throw new SsmError('KmsUnusable', `KMS answered GenerateDataKey for ${keyId} without a 64-byte key.`, 'Try again; if it persists, check the key in the KMS console.');
      }
      return { plaintext: Buffer.from(output.Plaintext), ciphertextBase64: Buffer.from(output.CiphertextBlob).toString('base64') };
    } catch (error) {
      if (error instanceof SsmError) throw error;
      const name = nameOf(error);
      const message = error instanceof Error ? error.message : String(error);
      if (name === 'AccessDeniedException') {
        throw new SsmError('KmsUnusable', `The session is encrypted with KMS key ${keyId}, and your AWS identity may not call kms:GenerateDataKey on it.`,
          `Add kms:GenerateDataKey on ${keyId} to your IAM policy (and to the key policy if it does not delegate to IAM), or use Run Command (imdsExplorer.ssm.transport: runCommand).`, error);
      }
      if (name === 'NotFoundException' || name === 'DisabledException' || name === 'KMSInvalidStateException' || name === 'InvalidKeyUsageException') {
        throw new SsmError('KmsUnusable', `The Session Manager KMS key ${keyId} cannot be used (${name}: ${message}).`,
          'Fix the key named in the account\'s Session Manager preferences (enable it, or pick another), or use Run Command.', error);
      }
      throw new SsmError('KmsUnusable', `kms:GenerateDataKey for the session failed (${name || 'error'}: ${message}).`,
        'Check that KMS is reachable from this machine (network, proxy, AWS_ENDPOINT_URL_KMS) and try again, or use Run Command.', error);
    }
  };
  return {
    source,
    close: () => {
      void client?.then(({ client: kms }) => kms.destroy()).catch(() => undefined);
    },
  };
}
