import fs from 'node:fs/promises';
import path from 'node:path';
import type { VoxTestBackend } from './vox-test-backend.ts';

/**
 * A demo user's password (`<name>-demo`) in a 0600 file, with the line end `echo` leaves: the
 * CLIs take a password from such a file (`--password-file`), never from their arguments.
 */
export async function cliPasswordFile(backend: VoxTestBackend, username = 'admin'): Promise<string> {
  const file = path.join(backend.dataDir, `${username}.password`);
  await fs.writeFile(file, `${username}-demo\n`, { mode: 0o600 });
  return file;
}
