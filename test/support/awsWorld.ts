// The set-up most AWS-facing unit suites share, written once: isolate the AWS environment
// (isolateAwsEnvironment), start a world of local servers in it, and undo both after the suite.
import { after, before } from 'node:test';
import { isolateAwsEnvironment, type IsolatedAws } from './ssm/fixtures';

export interface AwsWorld<W> {
  /** The isolated AWS environment (for aws.write and aws.dir). */
  readonly aws: IsolatedAws;
  readonly world: W;
}

/**
 * Registers, in the calling describe, a `before` that isolates the AWS environment and then starts the
 * world, and an `after` that closes the world and always restores the environment. Hooks the suite
 * registers later run after these (node:test runs hooks in registration order), so they can use the world.
 * Read `.world` and `.aws` inside hooks and tests, not while the describe is being declared.
 */
export function useAwsWorld<W extends { close(): Promise<void> }>(start: (aws: IsolatedAws) => Promise<W>): AwsWorld<W> {
  let aws: IsolatedAws | undefined;
  let world: W | undefined;
  before(async () => {
    aws = isolateAwsEnvironment();
    world = await start(aws);
  });
  after(async () => {
    try {
      await world?.close();
    } finally {
      aws?.restore();
    }
  });
  const started = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useAwsWorld: ${name} read before the suite's before hook set it up (or that hook failed)`);
    return value;
  };
  return {
    get aws() {
      return started(aws, 'aws');
    },
    get world() {
      return started(world, 'world');
    },
  };
}
