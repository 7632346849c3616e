// What activation costs, measured inside the real extension host, and the promise that it loads
// nothing heavy: no SSM or EC2 client, no AWS credential providers (they are lazy modules in
// dist/lazy/, loaded on first use of an SSM source, the EC2 API or the posture). This file sorts first, so no other suite has used SSM yet.
// Writes out/activation.json, which `npm run bench:activation` reports.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EMULATOR_SOURCE_ID } from '../../../src/ui/builtinSources';
import { lazyModulesLoaded } from '../../../src/aws/lazyModules';
import { EXTENSION_ID, activateExtension } from '../support';

const HEAVY = [/[\\/]dist[\\/]lazy[\\/]/, /[\\/]@aws-sdk[\\/]/, /[\\/]@smithy[\\/]/];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('activation cost', () => {
  it('activates without loading the SSM client or other heavy modules, and records its cost', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const wasActive = ext.isActive;
    const t0 = performance.now();
    const api = await activateExtension();
    const activateCallMs = performance.now() - t0;

    // The first tree level of the emulator: what a person waits for after opening the view.
    const t1 = performance.now();
    const root = api.tree.sourceNode(EMULATOR_SOURCE_ID);
    const [latest] = await api.tree.getChildren(root);
    const firstLevel = await api.tree.getChildren(latest);
    const firstTreeMs = performance.now() - t1;
    assert.ok(firstLevel.length >= 3, 'latest/ lists meta-data, dynamic and user-data');

    const mainFile = path.join(ext.extensionPath, 'dist', 'extension.js');
    const loaded = Object.keys(require.cache);
    assert.ok(loaded.includes(mainFile), `the check sees the extension's own bundle (${mainFile}) in require.cache`);
    const heavy = loaded.filter((file) => HEAVY.some((re) => re.test(file)));
    assert.deepEqual(heavy, [], 'no SSM or AWS SDK module is loaded by activation');
    // The lazy modules are ES modules, which require.cache does not list: each notes itself on load.
    assert.deepEqual(lazyModulesLoaded(), [], 'no lazy module (dist/lazy/*.mjs) is loaded by activation');
    // Nor bundled into the activation bundle itself (a static import would put it there, where
    // require.cache cannot see it): the SSM and EC2 clients' service targets and the credential chain's
    // last error message are strings that survive minification.
    const bundle = fs.readFileSync(mainFile, 'utf8');
    // The SSM, EC2, KMS and CloudWatch clients (their service targets), the session transport (its
    // frame type and document) and undici's WebSocket live in the lazy modules only: present there,
    // absent here.
    const lazyDir = path.join(ext.extensionPath, 'dist', 'lazy');
    const lazy = fs.readdirSync(lazyDir).map((f) => fs.readFileSync(path.join(lazyDir, f), 'utf8')).join('\n');
    for (const marker of [/["']AmazonSSM["']/, /["']AmazonEC2["']/, /["']GraniteServiceVersion20100801["']/, /Could not load credentials from any providers/, /["']TrentService["']/, /input_stream_data/, /AWS-StartNonInteractiveCommand/, /permessage-deflate/]) {
      assert.doesNotMatch(bundle, marker, `dist/extension.js does not contain the AWS SDK or the session code (${marker})`);
      assert.match(lazy, marker, `dist/lazy/ holds it (${marker}), so the check above can fail`);
    }

    // Parse + evaluate of the bundle: require a fresh copy (the running one stays in the cache).
    const original = require.cache[mainFile];
    const loads: number[] = [];
    try {
      for (let i = 0; i < 5; i++) {
        delete require.cache[mainFile];
        const start = performance.now();
        require(mainFile);
        loads.push(performance.now() - start);
      }
    } finally {
      require.cache[mainFile] = original;
    }

    const report = {
      measuredAt: new Date().toISOString(),
      vscode: vscode.version,
      activatedByThisTest: !wasActive,
      activateMs: Number(api.activationMs.toFixed(1)),
      activateCallMs: wasActive ? undefined : Number(activateCallMs.toFixed(1)),
      moduleLoadMs: Number(median(loads).toFixed(1)),
      moduleLoadRunsMs: loads.map((v) => Number(v.toFixed(1))),
      firstTreeLevelMs: Number(firstTreeMs.toFixed(1)),
      bundleBytes: fs.statSync(mainFile).size,
      /** Files of the extension (not of the test runner) that are loaded: only the activation bundle. */
      distModulesLoaded: [
        ...loaded.filter((f) => f.startsWith(path.join(ext.extensionPath, 'dist'))).map((f) => path.relative(ext.extensionPath, f)),
        ...lazyModulesLoaded().map((f) => `dist/lazy/${f}`),
      ],
    };
    const out = path.join(ext.extensionPath, 'out', 'activation.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  });
});
