// User-data decoding: time and memory per input, from the corpus to hostile inputs (gzip bomb,
// 8 MiB of base64, thousands of MIME boundaries). The caps must hold the heap near the
// 8 MiB layer cap whatever the input claims to expand to.
//   npm run bench:userdata

import { checkUserDataSize, decodeUserData, renderDecodedDocument } from '../src/userdata';
import { fixture, fixtureNames, gzipOfZeros } from '../test/fixtures/user-data/corpus';
import { writeBenchReport, type BenchRow } from './report';
import * as zlib from 'node:zlib';

interface Input {
  name: string;
  bytes: Buffer;
}

const mib = 1024 * 1024;
const script = Buffer.from(`#!/bin/bash\n${'echo "configure one more thing on this instance"\n'.repeat(150_000)}`.slice(0, 6 * mib));

const inputs: Input[] = [
  ...fixtureNames().map((name) => ({ name: `corpus: ${name}`, bytes: fixture(name) })),
  { name: 'gzip bomb, 1 layer (1 GiB of zeros)', bytes: gzipOfZeros(1024) },
  { name: '6 MiB script as wrapped base64', bytes: Buffer.from(script.toString('base64').replace(/.{76}/g, '$&\n')) },
  { name: '6 MiB script gzip+base64', bytes: Buffer.from(zlib.gzipSync(script).toString('base64')) },
  { name: '4 MiB of "--b" lines (MIME)', bytes: Buffer.from(`Content-Type: multipart/mixed; boundary=b\n\n${'--b\n'.repeat(mib)}`) },
  { name: '8 MiB of "=" characters', bytes: Buffer.alloc(8 * mib, '=') },
  { name: '8 MiB random binary', bytes: Buffer.from(Array.from({ length: 8 * mib }, (_, i) => (i * 2654435761) >>> 24)) },
];

function measure(input: Input): { ms: number; heapMiB: number } {
  const runs = input.bytes.length > mib ? 3 : 50;
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  let peak = 0;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const decoded = decodeUserData(input.bytes);
    renderDecodedDocument(decoded, checkUserDataSize(input.bytes));
    const usage = process.memoryUsage();
    peak = Math.max(peak, usage.heapUsed + usage.arrayBuffers - heapBefore);
  }
  return { ms: (performance.now() - started) / runs, heapMiB: peak / mib };
}

const rows: BenchRow[] = [];
for (const input of inputs) {
  const { ms, heapMiB } = measure(input);
  const hostile = !input.name.startsWith('corpus');
  rows.push({
    metric: `${input.name}: decode+render (${input.bytes.length.toLocaleString('en-US')} bytes in)`,
    value: Number(ms.toFixed(2)),
    unit: 'ms',
    ...(hostile ? { target: '≤ 2000 ms', ok: ms <= 2000 } : {}),
  });
  if (hostile) {
    rows.push({ metric: `${input.name}: heap growth while decoding`, value: Number(heapMiB.toFixed(1)), unit: 'MiB', target: '≤ 128 MiB', ok: heapMiB <= 128 });
  }
}
writeBenchReport('userdata', rows, [
  'heap growth = heap + array buffers above the start, sampled after each decode (includes garbage not yet collected)',
  'run with node --expose-gc for steadier memory figures',
]);
