// `npm run bench -- screen-spool [--hours=8] [--chunk-kb=64]`: a whole shift of screen recording
// through the desktop's own path, at full speed: each 2-second MediaRecorder chunk is encrypted
// (ScreenEncryptor, WebCrypto) and appended, fsynced, to the on-disk spool (ScreenSpoolStore).
// Prints the process's memory every simulated hour: it must stay flat however long the shift.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ScreenSpoolStore } from '../src/main/screen-spool.ts';
import { ScreenEncryptor } from '../src/renderer/screen-recorder/screen-encryptor.ts';

const argument = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const hours = Number(argument('hours') ?? 8);
const chunkBytes = Number(argument('chunk-kb') ?? 64) * 1024;
const chunksPerHour = 3600 / 2;

const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const encryptor = await ScreenEncryptor.create({
  keyId: 'bench',
  publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
});
const root = await mkdtemp(path.join(tmpdir(), 'vox-spool-bench-'));
const store = new ScreenSpoolStore(root);
const { spoolId } = await store.open({
  connId: '006f02a6d1b9c2e1',
  filetype: 'video/webm',
  startedAt: new Date().toISOString(),
});
// Screen video does not compress further; random bytes stand in for VP8.
const chunk = new Uint8Array(randomBytes(chunkBytes));
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

console.log(`${hours} h of 2 s chunks of ${chunkBytes / 1024} KiB, encrypted and spooled to ${root}`);
console.log('hour | rss MB | heap MB | spool MB | appends/s');
await store.append(spoolId, encryptor.header);
const started = performance.now();
let hourStarted = started;
try {
  for (let hour = 1; hour <= hours; hour++) {
    for (let i = 0; i < chunksPerHour; i++) {
      const sealed = await encryptor.push(chunk);
      const joined = new Uint8Array(sealed.reduce((n, s) => n + s.byteLength, 0));
      let offset = 0;
      for (const piece of sealed) {
        joined.set(piece, offset);
        offset += piece.byteLength;
      }
      await store.append(spoolId, joined);
    }
    const now = performance.now();
    const memory = process.memoryUsage();
    const spooled = (await stat(store.videoPath(spoolId))).size;
    const rate = (chunksPerHour / ((now - hourStarted) / 1000)).toFixed(0);
    console.log(
      `${String(hour).padStart(4)} | ${mb(memory.rss).padStart(6)} | ${mb(memory.heapUsed).padStart(7)} | ${mb(spooled).padStart(8)} | ${rate}`,
    );
    hourStarted = now;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${hours * chunksPerHour} appends in ${seconds.toFixed(1)} s (real time would be ${hours} h)`);
} finally {
  await rm(root, { recursive: true, force: true });
}
