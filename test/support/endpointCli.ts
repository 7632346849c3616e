// What every `npm run …-endpoint` command does around its servers: runs until Ctrl+C or SIGTERM,
// then closes them, and turns a startup failure (a bad flag, a port in use) into one line and exit 2.

/** Closes the servers, in order, on the first SIGINT or SIGTERM, then exits 0. */
export function closeOnSignal(...servers: Array<{ close(): Promise<void> }>): void {
  const stop = async () => {
    for (const server of servers) await server.close().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** Runs an endpoint command's main(); an error is printed as `name: message`, exit code 2. */
export function runEndpointCli(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  });
}
