// Entry point VS Code loads as `extensionTestsPath`, in code-server (scripts/run-integration.mjs)
// and in desktop VS Code (@vscode/test-electron, test/runDesktop.mjs) alike.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.IMDS_TEST_GREP;
  if (grep) mocha.grep(grep);
  const suiteDir = path.join(__dirname, 'suite');
  for (const file of fs.readdirSync(suiteDir).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(suiteDir, file));
  }
  // The runner outside VS Code cannot see this host's stdout: copy mocha's report into a file.
  const reportFile = process.env.IMDS_TEST_REPORT;
  // Mocha's reporters print through Base.consoleLog, which it took from console.log at load time.
  const base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  const originalLog = base.consoleLog;
  if (reportFile) {
    fs.writeFileSync(reportFile, '');
    base.consoleLog = (...args: unknown[]) => {
      fs.appendFileSync(reportFile, `${format(...args)}\n`);
      originalLog(...args);
    };
  }
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] as { title: string; error: string }[] };
  await new Promise<void>((resolve, reject) => {
    try {
      const runner = mocha.run(() => resolve());
      runner.on('pass', () => counts.passed++);
      runner.on('pending', () => counts.skipped++);
      runner.on('fail', (test, err: Error) => {
        counts.failed++;
        counts.failures.push({ title: test.fullTitle(), error: String(err?.stack ?? err) });
      });
    } catch (err) {
      reject(err);
    }
  });
  base.consoleLog = originalLog;
  const resultsFile = process.env.IMDS_TEST_RESULTS;
  if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(counts, null, 2));
  console.log(`integration: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  if (counts.failed > 0) throw new Error(`${counts.failed} integration test(s) failed`);
}
