// The SDK pieces that are loaded by import() (the SSM client, the credential providers), as one
// room of the lazy AWS bundle: from the extension or the CLI, `import('./sdkRoom')` becomes a
// require() of dist/aws.js, so neither carries its own copy of the SDK.

export * as ssmSdk from '@aws-sdk/client-ssm';
export { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
