// Prints one plain closing line from Vitest's JSON report ("vitest: N passed, N failed, N skipped"),
// so a reader (or CI) that does not know Vitest's output still sees the count.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
try {
  const r = JSON.parse(readFileSync(file, 'utf8'));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
} catch (err) {
  console.log(`vitest: no report (${err.message})`);
}
