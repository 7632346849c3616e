// The bundles swap `undici` for scripts/undici-slim.cjs: every name src/ imports from undici must
// be there, or the extension would break only once bundled.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../../..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

describe('bundle: the slim undici entry', () => {
  it('exports every value src/ imports from undici', () => {
    const slim = require(path.join(root, 'scripts/undici-slim.cjs'));
    const used = new Set<string>();
    for (const file of sources(path.join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s+from\s+'undici'/g)) {
        if (m[1]) continue; // type-only imports vanish at build time
        for (const part of m[2].split(',')) {
          const name = part.trim();
          if (!name || name.startsWith('type ')) continue;
          used.add(name.split(/\s+as\s+/)[0]);
        }
      }
      assert.ok(!/import\s+\*\s+as\s+\w+\s+from\s+'undici'|require\('undici'\)/.test(text), `${path.relative(root, file)}: import named values from undici`);
    }
    assert.ok(used.size > 0, 'src/ uses undici');
    for (const name of used) assert.ok(slim[name] !== undefined, `scripts/undici-slim.cjs lacks ${name}`);
  });

  it('gives pools the request API', () => {
    const slim = require(path.join(root, 'scripts/undici-slim.cjs'));
    assert.equal(typeof slim.Pool.prototype.request, 'function');
    assert.equal(typeof slim.Client.prototype.request, 'function');
  });
});
