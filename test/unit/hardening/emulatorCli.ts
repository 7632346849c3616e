// The emulator CLI run in-process for the hardening tests: its exit code and what it wrote to
// stderr. Only for argv the CLI refuses: one that starts a server would not return.
import { main } from '../../../src/emulator/cli';

/** Runs the emulator CLI in-process: exit code and what it wrote to stderr. */
export async function runCli(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    // Refused flags return before listening; anything that would start instead fails the test.
    const code = await Promise.race([main(argv), new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5000))]);
    return { code, stderr };
  } finally {
    process.stderr.write = write;
  }
}

