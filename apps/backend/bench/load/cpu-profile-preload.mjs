// Preloaded into the load bench's backend with --profile: profiles the main thread (HTTP,
// socket.io, SIP Server, MCP, storage, processor) from the start, and writes a .cpuprofile
// (Chrome DevTools, speedscope) into $VOX_LOAD_PROFILE_DIR when the process exits. Node 20 refuses
// --cpu-prof in NODE_OPTIONS, and SpawnedBackend passes no other flag; the media workers are
// profiled by `npm run bench -- media` in one process instead. Plain JavaScript: the media
// workers load every preload too, before any TypeScript loader.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';

const directory = process.env.VOX_LOAD_PROFILE_DIR;
// In a media worker it would stall the worker's clock; the main thread is the one profiled.
if (directory && isMainThread) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  // A session on this thread answers synchronously: the profile is written before the exit.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      writeFileSync(path.join(directory, `backend-main-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
