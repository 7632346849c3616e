// The manifest is what VS Code and vsce read: check the promises the foundation makes.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const nls: Record<string, string> = JSON.parse(readFileSync(path.join(root, 'package.nls.json'), 'utf8'));

describe('package.json manifest', () => {
  it('targets VS Code 1.100 with matching @types/vscode', () => {
    assert.equal(manifest.engines.vscode, '^1.100.0');
    assert.match(manifest.devDependencies['@types/vscode'], /^~?1\.100\./);
  });

  it('runs in the workspace extension host and never activates on *', () => {
    assert.deepEqual(manifest.extensionKind, ['workspace']);
    assert.ok(!(manifest.activationEvents ?? []).includes('*'));
  });

  it('has a view container with an icon that exists, a tree view and welcome content', () => {
    const [container] = manifest.contributes.viewsContainers.activitybar;
    assert.ok(existsSync(path.join(root, container.icon)), container.icon);
    const views = manifest.contributes.views[container.id];
    assert.ok(views.length >= 1);
    assert.ok(manifest.contributes.viewsWelcome.some((w: { view: string }) => w.view === views[0].id));
  });

  it('has a localized string for every %key% it uses', () => {
    const keys = JSON.stringify(manifest.contributes).match(/%[\w.-]+%/g) ?? [];
    for (const key of new Set(keys)) assert.ok(nls[key.slice(1, -1)], `package.nls.json lacks ${key}`);
  });

  it('declares a category and an icon for every command', () => {
    for (const c of manifest.contributes.commands) {
      assert.ok(c.category, `${c.command} has a category`);
      assert.ok(c.title, `${c.command} has a title`);
    }
  });
});

describe('README', () => {
  it('lists every command and setting of the manifest (node scripts/readme-tables.mjs)', async () => {
    const { execFileSync } = await import('node:child_process');
    execFileSync(process.execPath, [path.join(root, 'scripts/readme-tables.mjs'), '--check'], { cwd: root, stdio: 'pipe' });
  });

  it('shows only screenshots that exist', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    assert.ok(images.length >= 3);
    for (const image of images) assert.ok(existsSync(path.join(root, image)), image);
  });
});
