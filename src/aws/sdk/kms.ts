// The KMS client for encrypted Session Manager sessions: a lazy room of its own, loaded by import()
// on the first KMS-encrypted session only.
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';

export const kmsSdk = { KMSClient, GenerateDataKeyCommand };
