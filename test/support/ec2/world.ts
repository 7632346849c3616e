// Shared set-up for the EC2 tests: an emulator (the instance's IMDS), the local EC2 endpoint with
// that instance wired to it, and Ec2Api clients on the endpoint. Call isolateAwsEnvironment()
// (test/support/ssm/fixtures.ts) around it so no one's ~/.aws or real IMDS is touched.
import { Ec2Api, type Ec2Options } from '../../../src/aws/ec2/api';
import { startEmulator, type Emulator, type EmulatorOptions } from '../../../src/emulator/server';
import { startEc2Endpoint, type Ec2Endpoint, type Ec2EndpointOptions } from '../ec2Endpoint';
import { wireEmulator, type WiredInstance } from './wire';

export interface Ec2World {
  emulator: Emulator;
  endpoint: Ec2Endpoint;
  wired: WiredInstance;
  /** An Ec2Api in the wired instance's Region on the endpoint (closed with the world). */
  api(options?: Partial<Ec2Options>): Promise<Ec2Api>;
  close(): Promise<void>;
}

export async function startEc2World(options: { emulator?: EmulatorOptions; endpoint?: Ec2EndpointOptions } = {}): Promise<Ec2World> {
  const emulator = await startEmulator(options.emulator ?? {});
  const endpoint = await startEc2Endpoint({ applyDelayMs: 200, ...options.endpoint });
  const wired = wireEmulator(endpoint, emulator);
  const apis: Ec2Api[] = [];
  return {
    emulator,
    endpoint,
    wired,
    async api(overrides = {}) {
      const api = await Ec2Api.connect({ region: wired.region, endpoint: endpoint.url, credentials: endpoint.credentials, ...overrides });
      apis.push(api);
      return api;
    },
    async close() {
      for (const api of apis) api.close();
      await endpoint.close();
      await emulator.close();
    },
  };
}
