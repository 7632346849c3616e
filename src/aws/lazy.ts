// The one lazy AWS bundle (dist/aws.js): every AWS room's public face, flat, so the SDK core
// (smithy, credential providers, signing) is bundled once for all of them. scripts/build.mjs
// turns each `await import()` of a room below into a require() of this bundle; a room only needs
// its own names, and the extra ones cost nothing (the bundle is loaded once either way).
// To add a room (KMS, CloudWatch …): export it here and list its index in LAZY_BUNDLES.

export * from '../sources/ssm/index';
export * from './ec2/index';
export * from '../posture/fleet';
export * from './sdkRoom';
