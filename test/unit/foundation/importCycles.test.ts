// No module of src/ imports itself through others: a cycle makes load order decide what a module
// sees at start-up (undefined exports in the bundle), and ties modules meant to stay apart.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { findImportCycles } from './importGraph';

describe('import graph', () => {
  it('src/ has no import cycles (type-only imports count)', () => {
    const cycles = findImportCycles(path.resolve(__dirname, '../../../src'));
    assert.deepEqual(cycles.map((c) => c.join(' → ')), []);
  });

  it('finds a cycle when there is one (the doctor/cli one this test was written for)', () => {
    const cycles = findImportCycles(path.join(__dirname, 'fixtures', 'cycle'));
    assert.deepEqual(cycles.map((c) => c.join(' → ')), ['a.ts → b.ts → a.ts']);
  });
});
