// `npm run ssm-endpoint -- [--port N] [--kms]`: the local SSM endpoint (Run Command and Session
// Manager sessions, plus KMS with --kms) for any client, no test runner: a few instances whose
// commands really run on this machine against a built-in IMDS emulator. Prints what to export.
import { startEmulator } from '../../src/emulator/server';
import { startSsmEndpoint } from './ssmEndpoint';
import { closeOnSignal, runEndpointCli } from './endpointCli';

const REGION = 'eu-west-1';
const USAGE = 'usage: npm run ssm-endpoint -- [--port N] [--kms]\n  --port N  port on 127.0.0.1 (default: any free one)\n  --kms     sessions are KMS-encrypted (Session Manager preferences), with a local KMS key';

function parse(argv: string[]): { port?: number; kms: boolean } {
  let port: number | undefined;
  let kms = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--kms') kms = true;
    else if (arg === '--port' || arg.startsWith('--port=')) {
      const text = arg.includes('=') ? arg.slice(7) : argv[++i];
      port = Number(text);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535 (got "${text}").`);
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`Unknown option ${arg}.\n${USAGE}`);
  }
  return { port, kms };
}

async function main(): Promise<void> {
  const { port, kms } = parse(process.argv.slice(2));
  const emulator = await startEmulator({});
  const env = { AWS_EC2_METADATA_SERVICE_ENDPOINT: emulator.url };
  const endpoint = await startSsmEndpoint({
    port,
    kms,
    region: REGION,
    instances: [
      { instanceId: 'i-0123456789abcdef0', computerName: 'web-1.ec2.internal', tags: { Name: 'web-1', Env: 'dev' }, env },
      { instanceId: 'i-0fedcba9876543210', computerName: 'web-2.ec2.internal', tags: { Name: 'web-2', Env: 'dev' }, tools: ['curl'], env },
      { instanceId: 'i-00000000000000bad', computerName: 'offline.ec2.internal', pingStatus: 'ConnectionLost', env },
    ],
  });
  const url = endpoint.url;
  console.log(`SSM endpoint listening on ${url}`);
  console.log(`IMDS emulator (what the instances read): ${emulator.url}`);
  console.log('Instances:');
  console.log('  i-0123456789abcdef0  web-1  Linux, Online (python3, curl, wget)');
  console.log('  i-0fedcba9876543210  web-2  Linux, Online (curl only)');
  console.log('  i-00000000000000bad  offline  Linux, ConnectionLost');
  console.log(kms ? `Sessions are KMS-encrypted with ${endpoint.sessionKmsKey()} (KMS on the same URL).` : 'Sessions are not encrypted (add --kms).');
  console.log('Run Command: AWS-RunShellScript. Sessions: AWS-StartNonInteractiveCommand (WebSocket data channel on the same port).');
  console.log('\nUse it with:');
  console.log(`  export AWS_ACCESS_KEY_ID=${endpoint.credentials.accessKeyId}`);
  console.log(`  export AWS_SECRET_ACCESS_KEY=${endpoint.credentials.secretAccessKey}   # a local test key, not an AWS one`);
  console.log(`  export AWS_REGION=${REGION} AWS_DEFAULT_REGION=${REGION}`);
  console.log(`  export AWS_ENDPOINT_URL_SSM=${url} AWS_ENDPOINT_URL_KMS=${url}   # SDKs and newer CLIs; older ones: --endpoint-url ${url}`);
  console.log(`  imds snapshot --ssm i-0123456789abcdef0 --region ${REGION} --ssm-endpoint ${url} --ssm-transport session`);
  console.log(`  aws ssm describe-instance-information --endpoint-url ${url}`);
  console.log('Ctrl-C stops it.');
  closeOnSignal(endpoint, emulator);
}

runEndpointCli('ssm-endpoint', main);
