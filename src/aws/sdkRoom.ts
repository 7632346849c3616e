// The SDK pieces that are loaded by import() (the SSM and KMS clients, the credential providers,
// undici's WebSocket for Session Manager sessions), as one room of the lazy AWS bundle: from the
// extension or the CLI, `import('./sdkRoom')` becomes a require() of dist/aws.js, so neither
// carries its own copy of the SDK or of undici's WebSocket.

//
// Only the commands used are named: a whole-namespace export (`export * as …`) would keep every
// command of the client in the bundle (SSM has hundreds).
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  SSMClient,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm';
import { GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';

export const ssmSdk = {
  SSMClient,
  SendCommandCommand,
  GetCommandInvocationCommand,
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  StartSessionCommand,
  TerminateSessionCommand,
};
export const kmsSdk = { KMSClient, GenerateDataKeyCommand };
export { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
export { WebSocket } from 'undici/lib/web/websocket/websocket';
