// `npm run fleet-endpoint -- [--instances N] [--regions N] [--seed N] [--ec2-port N] [--cloudwatch-port N]
//                           [--apply-delay-ms MS] [--cloudwatch-rps N]`
// Starts the local EC2 and CloudWatch endpoints with a seeded synthetic fleet (default 10,000
// instances in 4 Regions), prints both URLs, the AWS_* variables and commands to try, and runs
// until Ctrl+C. --cloudwatch-rps throttles GetMetricData above that many requests a second;
// throttle EC2 from a test with endpoint.failNext (RequestLimitExceeded).
import { startFleetWorld, FLEET_CREDENTIALS } from './world';
import { closeOnSignal, runEndpointCli } from '../endpointCli';

const USAGE = 'usage: npm run fleet-endpoint -- [--instances N] [--regions N] [--seed N] [--ec2-port N] [--cloudwatch-port N] [--apply-delay-ms MS] [--cloudwatch-rps N]';
const LIMITS: Record<string, [number, number]> = {
  instances: [0, 200_000], regions: [1, 8], seed: [0, 2 ** 31], 'ec2-port': [0, 65535], 'cloudwatch-port': [0, 65535], 'apply-delay-ms': [0, 600_000], 'cloudwatch-rps': [1, 10_000],
};

function parseArgs(argv: string[]): Record<string, number> {
  const found: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const name = argv[i].replace(/^--/, '');
    const range = LIMITS[name];
    if (!argv[i].startsWith('--') || !range) throw new Error(`Unknown option ${argv[i]}.\n${USAGE}`);
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < range[0] || value > range[1]) throw new Error(`--${name} needs a whole number from ${range[0]} to ${range[1]} (got ${JSON.stringify(argv[i])}).\n${USAGE}`);
    found[name] = value;
  }
  return found;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const world = await startFleetWorld({
    instances: args.instances ?? 10_000,
    regions: args.regions ?? 4,
    seed: args.seed ?? 1,
    applyDelayMs: args['apply-delay-ms'] ?? 2000,
    ec2Port: args['ec2-port'],
    cloudWatchPort: args['cloudwatch-port'],
    cloudWatchRequestsPerSecond: args['cloudwatch-rps'],
  });
  const { fleet, ec2, cloudWatch } = world;
  const region = fleet.regions[0];
  const mix = new Map<string, number>();
  for (const i of fleet.instances) mix.set(i.profile, (mix.get(i.profile) ?? 0) + 1);
  console.log(`Synthetic fleet (seed ${fleet.seed}): ${fleet.instances.length} instances in ${fleet.regions.join(', ')}, made in ${Date.now() - started} ms`);
  console.log(`  ${[...mix].map(([k, v]) => `${k} ${v}`).join(' · ')}`);
  console.log(`Local EC2 endpoint:        ${ec2.url}`);
  console.log(`Local CloudWatch endpoint: ${cloudWatch.url}${args['cloudwatch-rps'] ? `  (throttles above ${args['cloudwatch-rps']} requests/s)` : ''}`);
  console.log('');
  console.log('Test credentials (accepted only by these endpoints):');
  console.log(`  export AWS_ACCESS_KEY_ID=${FLEET_CREDENTIALS.accessKeyId}`);
  console.log(`  export AWS_SECRET_ACCESS_KEY=${FLEET_CREDENTIALS.secretAccessKey}`);
  console.log(`  export AWS_REGION=${region} AWS_DEFAULT_REGION=${region}`);
  console.log(`  export AWS_ENDPOINT_URL_EC2=${ec2.url} AWS_ENDPOINT_URL_CLOUDWATCH=${cloudWatch.url}`);
  console.log('');
  console.log('Try:');
  console.log(`  npm run imds -- posture --regions all --ec2-endpoint ${ec2.url} --cloudwatch-endpoint ${cloudWatch.url}`);
  console.log(`  npm run imds -- posture --regions all --json --out posture.json --ec2-endpoint ${ec2.url} --cloudwatch-endpoint ${cloudWatch.url}`);
  console.log(`  npm run imds -- enforce --from posture.json --only ready --dry-run --ec2-endpoint ${ec2.url} --cloudwatch-endpoint ${cloudWatch.url}`);
  console.log(`  aws cloudwatch get-metric-data --endpoint-url ${cloudWatch.url} --start-time ${new Date(Date.now() - 14 * 86_400_000).toISOString().slice(0, 10)} --end-time ${new Date().toISOString()} \\`);
  console.log(`    --metric-data-queries '[{"Id":"m0","MetricStat":{"Metric":{"Namespace":"AWS/EC2","MetricName":"MetadataNoToken","Dimensions":[{"Name":"InstanceId","Value":"${fleet.instances[0].instanceId}"}]},"Period":86400,"Stat":"Sum"}}]'`);
  console.log('In VS Code: settings imdsExplorer.ec2.endpoint / imdsExplorer.posture.cloudWatchEndpoint, then "IMDS: Take Fleet Posture…".');
  console.log('Ctrl+C stops both.');
  closeOnSignal(world);
}

runEndpointCli('fleet-endpoint', main);
