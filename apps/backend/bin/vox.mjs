#!/usr/bin/env node
// `npx vox`: the operators' CLI (audit, storage). Loads tsx's ESM hook so the CLI's TypeScript
// source runs as it is, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/vox.ts');
