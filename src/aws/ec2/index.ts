// The EC2 API room's public face. Loaded with `await import()` only (scripts/build.mjs puts it in
// a lazy module, dist/lazy/ec2-client.mjs): activation never parses the EC2 SDK. Types are free to import.

export { Ec2Api, metadataOptionsOf, type Ec2Options, type ListOptions, type DryRunResult } from './api';
export { readInstanceSettings } from './settings';
export { withNameTags } from './nameTags';
export { applyChange, describeChange, changeLines, changeTarget, undoOf } from './change';
export type { AccountChange, InstanceOptionsChange, AccountDefaultsChange, ChangeApi, ChangeRecord, ChangeOutcome, ApplyOptions, ChangeStep } from './change';
export { Ec2Error, isEc2Error, describeEc2Error, EC2_ACTIONS, type Ec2ErrorCode } from './errors';
export * from './types';
