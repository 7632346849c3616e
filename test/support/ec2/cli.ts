// `npm run ec2-endpoint -- [--port N] [--emulator-port N] [--apply-delay-ms MS] [--instances N]`
// Starts the local EC2 endpoint with an IMDS emulator wired to its instance, prints both URLs and
// the AWS_* variables a client needs, and runs until Ctrl+C. --instances adds N more (synthetic)
// instances in the same Region, to see pagination.
import { startEmulator } from '../../../src/emulator/server';
import { startEc2Endpoint } from '../ec2Endpoint';
import { instanceRecord } from './store';
import { wireEmulator } from './wire';
import { closeOnSignal, runEndpointCli } from '../endpointCli';

const USAGE = 'usage: npm run ec2-endpoint -- [--port N] [--emulator-port N] [--apply-delay-ms MS] [--instances N]';

function parseArgs(argv: string[]): Record<string, number> {
  const known = ['port', 'emulator-port', 'apply-delay-ms', 'instances'];
  const found: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (!argv[i].startsWith('--') || !known.includes(name)) throw new Error(`Unknown option ${argv[i]}.\n${USAGE}`);
    const value = Number(argv[++i]);
    if (!Number.isInteger(value) || value < 0 || value > (name === 'instances' ? 100_000 : name === 'apply-delay-ms' ? 600_000 : 65535)) {
      throw new Error(`--${name} needs a whole number in range (got ${JSON.stringify(argv[i])}).\n${USAGE}`);
    }
    found[name] = value;
  }
  return found;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const emulator = await startEmulator({ port: args['emulator-port'] ?? 0 });
  const endpoint = await startEc2Endpoint({ port: args.port ?? 0, applyDelayMs: args['apply-delay-ms'] ?? 2000 });
  const wired = wireEmulator(endpoint, emulator);
  for (let i = 0; i < (args.instances ?? 0); i++) {
    endpoint.store.put(instanceRecord({ instanceId: `i-${(0x5e000000 + i).toString(16).padStart(17, '0')}`, region: wired.region, tags: { Name: `synthetic-${i + 1}` } }));
  }
  const { accessKeyId, secretAccessKey } = endpoint.credentials;
  console.log(`Local EC2 endpoint: ${endpoint.url}  (${endpoint.store.count()} instance(s) in ${wired.region})`);
  console.log(`IMDS emulator of ${wired.instanceId}: ${emulator.url}  (wired: metadata changes apply to it)`);
  console.log('');
  console.log('Test credentials (accepted only by this endpoint):');
  console.log(`  export AWS_ACCESS_KEY_ID=${accessKeyId}`);
  console.log(`  export AWS_SECRET_ACCESS_KEY=${secretAccessKey}`);
  console.log(`  export AWS_REGION=${wired.region} AWS_DEFAULT_REGION=${wired.region}`);
  console.log(`  export AWS_ENDPOINT_URL_EC2=${endpoint.url}`);
  console.log('');
  console.log('Try:');
  console.log(`  aws ec2 describe-instances --endpoint-url ${endpoint.url}`);
  console.log(`  aws ec2 modify-instance-metadata-options --endpoint-url ${endpoint.url} --instance-id ${wired.instanceId} --http-tokens required --dry-run`);
  console.log(`  npm run imds -- ec2 describe --instance ${wired.instanceId} --ec2-endpoint ${endpoint.url}`);
  console.log('Ctrl+C stops both.');
  closeOnSignal(endpoint, emulator);
}

runEndpointCli('ec2-endpoint', main);
