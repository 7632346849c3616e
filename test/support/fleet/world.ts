// A synthetic fleet behind both local endpoints (EC2 and CloudWatch), for tests and benchmarks:
// one call starts them, loads the fleet, and connects the posture's AWS side to them.
import { connectFleet, type FleetConnection } from '../../../src/posture/fleet';
import { startCloudWatchEndpoint, MetricStore, type CloudWatchEndpoint } from '../cloudwatchEndpoint';
import { startEc2Endpoint, type Ec2Endpoint } from '../ec2Endpoint';
import { loadFleetMetrics } from './cloudwatchLoad';
import { loadFleetInstances } from './ec2Load';
import { generateFleet, type Fleet, type FleetOptions } from './generate';

export interface FleetWorld {
  fleet: Fleet;
  ec2: Ec2Endpoint;
  cloudWatch: CloudWatchEndpoint;
  /** The posture's connection to both endpoints, in the fleet's first Region by default. */
  connect(): Promise<FleetConnection>;
  close(): Promise<void>;
}

/** Both endpoints accept these keys. */
export const FLEET_CREDENTIALS = { accessKeyId: 'AKIDFLEETTEST', secretAccessKey: 'fleet-test-secret' };

export async function startFleetWorld(options: FleetOptions & { applyDelayMs?: number; ec2Port?: number; cloudWatchPort?: number; cloudWatchRequestsPerSecond?: number }): Promise<FleetWorld> {
  const fleet = generateFleet(options);
  const keys = { [FLEET_CREDENTIALS.accessKeyId]: { secretAccessKey: FLEET_CREDENTIALS.secretAccessKey } };
  const ec2 = await startEc2Endpoint({ credentials: keys, applyDelayMs: options.applyDelayMs ?? 100, port: options.ec2Port, regions: fleet.regions });
  loadFleetInstances(ec2.store, fleet);
  const store = new MetricStore();
  loadFleetMetrics(store, fleet);
  const cloudWatch = await startCloudWatchEndpoint({ store, credentials: keys, port: options.cloudWatchPort, requestsPerSecond: options.cloudWatchRequestsPerSecond });
  const connections: FleetConnection[] = [];
  return {
    fleet,
    ec2,
    cloudWatch,
    async connect() {
      const connection = await connectFleet({ region: fleet.regions[0], ec2Endpoint: ec2.url, cloudWatchEndpoint: cloudWatch.url, credentials: FLEET_CREDENTIALS });
      connections.push(connection);
      return connection;
    },
    async close() {
      for (const c of connections) c.close();
      await ec2.close();
      await cloudWatch.close();
    },
  };
}
