// src/version.ts (what exported files record as createdBy) matches package.json.
import { it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { VERSION } from '../../src/version.js';

it('VERSION is the package.json version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
});
