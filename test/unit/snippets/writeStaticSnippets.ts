// Regenerates snippets/shellscript.json and snippets/powershell.json from the generators:
//   npx tsx test/unit/snippets/writeStaticSnippets.ts
// staticSnippets.test.ts fails when the committed files differ from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { staticSnippetsFile, type StaticSnippetLanguage } from '../../../src/snippets/staticSnippets';

const dir = path.resolve(__dirname, '../../../snippets');
mkdirSync(dir, { recursive: true });
for (const language of ['shellscript', 'powershell'] as StaticSnippetLanguage[]) {
  const file = path.join(dir, `${language}.json`);
  writeFileSync(file, staticSnippetsFile(language));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
