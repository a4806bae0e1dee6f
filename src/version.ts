// The package version, written into exported files. Kept in step with
// package.json by test/platform/version.test.ts (a browser bundle cannot read package.json).
export const VERSION = '0.1.0';
