#!/usr/bin/env node
// `npx vox-sim`: the scenario CLI. The backend is TypeScript run by tsx; this loads tsx's ESM hook
// so the CLI's source runs as it is, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/vox-sim.ts');
