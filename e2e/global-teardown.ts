import fs from 'node:fs/promises';

/** Removes the backend's temporary data directory once the backend has stopped. */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env.VOX_E2E_DATA_DIR;
  if (dir && process.env.VOX_E2E_KEEP_DATA !== '1') await fs.rm(dir, { recursive: true, force: true });
}
