// Kept so that existing imports of DatasetError keep working; the class lives in src/errors.ts.
export { DatasetError } from '../errors.js';
