// A node:test reporter that writes {passed, failed, skipped, failures} as JSON: the runner's own
// totals, so `npm test` can print one closing line over all layers.
export default async function* countReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for await (const event of source) {
    const data = event.data ?? {};
    // Suites (describe) report too; count only tests.
    if (data.details?.type === 'suite') continue;
    if (event.type === 'test:pass') {
      if (data.skip || data.todo) counts.skipped++;
      else counts.passed++;
    } else if (event.type === 'test:fail') {
      counts.failed++;
      counts.failures.push({ name: data.name, file: data.file, error: String(data.details?.error?.message ?? data.details?.error ?? '') });
    }
  }
  yield JSON.stringify(counts);
}
