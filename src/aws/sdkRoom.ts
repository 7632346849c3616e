// The SDK pieces that are loaded by import() (the SSM and KMS clients, the credential providers,
// undici's WebSocket for Session Manager sessions), as one room of the lazy AWS bundle: from the
// extension or the CLI, `import('./sdkRoom')` becomes a require() of dist/aws.js, so neither
// carries its own copy of the SDK or of undici's WebSocket.

export * as ssmSdk from '@aws-sdk/client-ssm';
export { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
export * as kmsSdk from '@aws-sdk/client-kms';
export { WebSocket } from 'undici/lib/web/websocket/websocket';
