// Runs the integration suite in desktop VS Code through @vscode/test-electron. It downloads VS Code,
// so it needs internet; on machines without it, `npm test` runs the same suite in code-server.
import path from 'node:path';
import { runTests } from '@vscode/test-electron';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { execSync } = await import('node:child_process');
execSync('node scripts/build.mjs --tests', { cwd: root, stdio: 'inherit' });
try {
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/integration/index.js'),
    launchArgs: [path.join(root, 'test/fixtures/workspace'), '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (err) {
  console.error('desktop integration tests failed:', err);
  process.exit(1);
}
