// The credential providers (profiles, SSO, the default chain): a lazy room shared by every AWS
// client here, loaded by import() when the first client is made.
export { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
