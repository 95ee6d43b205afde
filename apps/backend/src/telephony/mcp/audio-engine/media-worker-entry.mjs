// The media worker's entry: the backend is TypeScript run by tsx (and by Vitest in tests), and a
// worker thread does not inherit a loader hook reliably, so this registers tsx's and loads the
// worker's source.
import { register } from 'tsx/esm/api';

register();
await import('./media-worker.ts');
