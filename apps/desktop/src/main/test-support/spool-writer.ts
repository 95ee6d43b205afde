// A desktop that records forever: appends 64 KiB chunks (chunk i filled with byte i % 251) to a
// new spool until it is killed. The spool test kills it mid-write and recovers what it left.
import { ScreenSpoolStore } from '../screen-spool.ts';

const root = process.argv[2];
if (!root) throw new Error('usage: spool-writer.ts <spool root>');
const store = new ScreenSpoolStore(root);
const { spoolId } = await store.open({
  connId: '006f02a6d1b9c2e1',
  filetype: 'video/webm',
  startedAt: new Date().toISOString(),
});
process.stdout.write(`${spoolId}\n`);
for (let i = 0; ; i++) await store.append(spoolId, new Uint8Array(64 * 1024).fill(i % 251));
