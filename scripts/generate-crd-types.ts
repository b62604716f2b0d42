// Generates operator/src/api/types.generated.ts from the CRD schemas in crds/ (the source of truth).
//   node scripts/generate-crd-types.ts          write the file
//   node scripts/generate-crd-types.ts --check  exit 1 if the committed file is stale
import { readFileSync, writeFileSync } from 'node:fs';
import { generateCrdTypes } from '../operator/src/api/generate-types.ts';

const target = new URL('../operator/src/api/types.generated.ts', import.meta.url);
const fresh = await generateCrdTypes();
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== fresh) {
    console.error('operator/src/api/types.generated.ts is stale: run node scripts/generate-crd-types.ts');
    process.exit(1);
  }
} else {
  writeFileSync(target, fresh);
}
