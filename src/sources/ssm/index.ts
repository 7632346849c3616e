// The SSM source's public face. The extension loads this module with `await import()` only when a
// person first uses SSM (scripts/build.mjs makes it a lazy module, dist/lazy/ssm-source.mjs), so activation never
// parses the AWS SDK. Import types from here freely; import values only through import().

export { SsmSource, DEFAULT_COMMAND_TIMEOUT_SECONDS, type SsmSourceOptions } from './ssmSource';
export {
  listManagedInstances,
  matchesFilter,
  platformOf,
  snapshotFleet,
  compareFleet,
  formatFleetComparison,
  MAX_FLEET,
  type ManagedInstance,
  type ListInstancesOptions,
  type FleetOptions,
  type FleetSnapshot,
  type FleetComparison,
} from './instances';
export { SsmError, isSsmError, describeAwsError, type SsmErrorCode } from './errors';
export {
  buildShellSnapshotScript,
  buildPowerShellSnapshotScript,
  scriptsFor,
  type SnapshotScriptOptions,
  type ScriptPlatform,
} from './script';
export { connectSsm, type AwsConnectionOptions } from './awsClient';

export { listAwsProfiles, type AwsProfile } from './profiles';
export {
  TRANSPORT_CHOICES,
  parseTransportChoice,
  describeTransport,
  type TransportChoice,
  type TransportUsed,
} from './transport';
