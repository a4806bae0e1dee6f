#!/usr/bin/env node
// `npm run lint` (after Biome): the import rules of docs/architecture.md that a
// linter does not know. (1) No import cycle in src/, type imports included.
// (2) Nothing outside src/cli/ imports src/cli/ (the library never depends on
// its command line).
import { parseDependencyTree, parseCircular } from 'dpdm';
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const root = join(import.meta.dirname, '..');
const src = join(root, 'src');
const files = readdirSync(src, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join('src', f));

const tree = await parseDependencyTree(files, { context: root, transform: false, skipDynamicImports: false });
let problems = 0;
for (const cycle of parseCircular(tree)) {
  console.error(`import cycle: ${[...cycle, cycle[0]].join(' -> ')}`);
  problems++;
}
const cli = `src${sep}cli${sep}`;
for (const [file, deps] of Object.entries(tree)) {
  if (!file.startsWith('src') || file.startsWith(cli)) continue;
  for (const d of deps ?? []) {
    if (d.id && relative(root, d.id).startsWith(cli)) {
      console.error(`${file} imports ${relative(root, d.id)}: the library must not depend on the CLI`);
      problems++;
    }
  }
}
if (problems > 0) process.exit(1);
console.log(`imports: ${files.length} files in src/, no cycle, no library import of src/cli/`);
