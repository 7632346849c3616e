// Child process for bench/crawl.ts: the IMDS emulator on its own event loop (as the real service
// is another machine), driven over IPC: grow the tree, read and reset request counters.
import { startEmulator } from '../src/emulator/server';

export type CrawlEmulatorCommand =
  | { op: 'setValues'; values: Array<[string, string]> }
  | { op: 'stats' }
  | { op: 'reset' };

async function run(): Promise<void> {
  const latencyMs = Number(process.argv[2] ?? 2);
  const emulator = await startEmulator({ latencyMs });
  process.on('message', (command: CrawlEmulatorCommand) => {
    if (command.op === 'setValues') for (const [path, value] of command.values) emulator.setValue(path, value);
    if (command.op === 'reset') emulator.stats.reset();
    process.send!({ op: command.op, requests: emulator.stats.requests, tokenPuts: emulator.stats.tokenPuts });
  });
  process.on('disconnect', () => {
    void emulator.close().then(() => process.exit(0));
  });
  process.send!({ op: 'ready', url: emulator.url });
}

void run();
