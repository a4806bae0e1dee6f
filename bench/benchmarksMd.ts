// BENCHMARKS.md is shared by several benches: each owns one section between
// `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` and rewrites only that.
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../src/util/files.js';
import { join } from 'node:path';

const FILE = join(import.meta.dirname, '..', 'BENCHMARKS.md');

export function updateBenchmarksSection(name: string, markdown: string): void {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  let text = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Benchmarks\n';
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i >= 0 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = text.trimEnd() + '\n\n' + block + '\n';
  writeFileAtomic(FILE, text);
}

/** A Markdown table from a header and rows. */
export function mdTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
