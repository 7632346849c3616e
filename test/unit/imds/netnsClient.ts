// Run inside a network namespace by netns.test.ts: reads IMDS with the client's DEFAULT endpoint
// (169.254.169.254, or [fd00:ec2::254] with --ipv6) and prints one JSON line about the read.
import { ImdsClient } from '../../../src/imds/client';
import { isImdsError } from '../../../src/imds/errors';

async function run(): Promise<void> {
  const ipv6 = process.argv.includes('--ipv6');
  const requests: string[] = [];
  const client = new ImdsClient({ env: {}, endpointMode: ipv6 ? 'IPv6' : undefined, onRequest: (l) => requests.push(`${l.method} ${l.path} ${l.status || l.error}`) });
  const started = performance.now();
  try {
    const snapshot = await client.snapshot();
    const instanceId = snapshot.entries.find((e) => e.path === '/latest/meta-data/instance-id')?.value;
    console.log(JSON.stringify({ ok: true, endpoint: client.state().endpoint, imdsMode: client.state().imdsMode, paths: snapshot.entries.length, errors: snapshot.entries.filter((e) => e.kind === 'error').length, stats: snapshot.stats, instanceId }));
  } catch (error) {
    console.log(JSON.stringify({ ok: false, endpoint: client.state().endpoint, code: isImdsError(error) ? error.code : undefined, message: (error as Error).message, requests, ms: Math.round(performance.now() - started) }));
  } finally {
    await client.close();
  }
}

void run();
