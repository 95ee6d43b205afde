import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFreePort } from '../platform/db/free-port.ts';
import { sleep } from './polling.ts';

/** The nginx configuration the operators' guide gives, with its example backend addresses. */
const clusterConf = path.resolve(import.meta.dirname, '../../../../deploy/nginx/vox-cluster.conf');
const exampleBackends = ['10.0.0.11:8080', '10.0.0.12:8080'] as const;

/**
 * Debian's nginx on loopback, running `deploy/nginx/vox-cluster.conf` with the example addresses
 * replaced by two backends' (the first is also the telephony backend, as in the file). Its own
 * prefix, pid and temporary folders, so it needs no root and leaves nothing behind.
 */
export class NginxBalancer {
  private constructor(
    private readonly process: ChildProcess,
    private readonly dir: string,
    readonly url: string,
  ) {}

  static async start(backendUrls: readonly [string, string]): Promise<NginxBalancer> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-nginx-'));
    const port = await findFreePort();
    let site = (await fs.readFile(clusterConf, 'utf8')).replace(/listen 80;/, `listen 127.0.0.1:${port};`);
    exampleBackends.forEach((example, i) => {
      site = site.replaceAll(`server ${example};`, `server ${new URL(backendUrls[i]!).host};`);
    });
    await fs.writeFile(path.join(dir, 'vox-cluster.conf'), site);
    const temp = (name: string) => `${name}_temp_path ${path.join(dir, name)};`;
    await fs.writeFile(
      path.join(dir, 'nginx.conf'),
      [
        'daemon off;',
        'worker_processes 1;',
        // As root, nginx's workers would otherwise run as nobody, who cannot enter this folder.
        ...(process.getuid?.() === 0 ? ['user root;'] : []),
        `pid ${path.join(dir, 'nginx.pid')};`,
        `error_log ${path.join(dir, 'error.log')} warn;`,
        'events { worker_connections 512; }',
        'http {',
        '  access_log off;',
        `  ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
        `  include ${path.join(dir, 'vox-cluster.conf')};`,
        '}',
        '',
      ].join('\n'),
    );
    const nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    nginx.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const stopWithUs = () => nginx.kill('SIGKILL');
    process.once('exit', stopWithUs);
    nginx.once('exit', () => process.off('exit', stopWithUs));
    const balancer = new NginxBalancer(nginx, dir, `http://127.0.0.1:${port}`);
    for (let i = 0; ; i++) {
      if (nginx.exitCode !== null) throw new Error(`nginx did not start: ${stderr || (await balancer.errorLog())}`);
      const answered = await fetch(`${balancer.url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (answered) return balancer;
      if (i > 100) throw new Error(`nginx did not answer on ${balancer.url}: ${await balancer.errorLog()}`);
      await sleep(100);
    }
  }

  async errorLog(): Promise<string> {
    return fs.readFile(path.join(this.dir, 'error.log'), 'utf8').catch(() => '');
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null) {
      const exited = new Promise((resolve) => this.process.once('exit', resolve));
      // QUIT: a graceful stop, open connections (a socket.io WebSocket) closed.
      this.process.kill('SIGQUIT');
      await Promise.race([exited, sleep(5000).then(() => this.process.kill('SIGKILL'))]);
    }
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
