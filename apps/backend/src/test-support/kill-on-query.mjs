// Preloaded into a backend a test crashes on purpose: the process kills itself (SIGKILL, as the
// OOM killer or a power cut would) the moment it is about to send a query that matches
// VOX_TEST_KILL_ON_QUERY, so the crash lands at a known step of a piece of background work.
import { createRequire } from 'node:module';

const pattern = process.env.VOX_TEST_KILL_ON_QUERY;
if (pattern) {
  const matches = new RegExp(pattern);
  const pg = createRequire(import.meta.url)('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, ...rest) {
    const text = typeof config === 'string' ? config : config?.text;
    if (typeof text === 'string' && matches.test(text)) process.kill(process.pid, 'SIGKILL');
    return query.call(this, config, ...rest);
  };
}
