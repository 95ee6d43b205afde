import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { v2 as webdav } from 'webdav-server';

/** A real WebDAV server over HTTP with Basic authentication, storing into a temporary directory. */
export class WebdavTestServer {
  /** statuses the next PUTs get instead of being stored, in order */
  private readonly putFaults: number[] = [];
  /** while set, a PUT waits for it before it is handled */
  private putsHeld: Promise<void> | undefined;
  /** PUTs waiting for `putsHeld` now */
  putsWaiting = 0;
  /** the status every PUT was answered with, in order */
  readonly putStatuses: number[] = [];

  private constructor(
    private readonly server: webdav.WebDAVServer,
    private readonly port: number,
    /** the directory the server stores into */
    readonly dir: string,
    /** `webdav+http://user:password@127.0.0.1:port/` */
    readonly url: string,
  ) {}

  static async start(user = 'recorder', password = 's3cret/pw'): Promise<WebdavTestServer> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'vox-webdav-'));
    const users = new webdav.SimpleUserManager();
    const account = users.addUser(user, password, false);
    const privileges = new webdav.SimplePathPrivilegeManager();
    privileges.setRights(account, '/', ['all']);
    const server = new webdav.WebDAVServer({
      requireAuthentification: true,
      httpAuthentication: new webdav.HTTPBasicAuthentication(users, 'vox'),
      privilegeManager: privileges,
    });
    await new Promise<void>((resolve, reject) =>
      server.setFileSystem('/', new webdav.PhysicalFileSystem(dir), (ok) =>
        ok ? resolve() : reject(new Error(`could not serve ${dir} over WebDAV`)),
      ),
    );
    const listening = await server.startAsync(0);
    const port = (listening.address() as AddressInfo).port;
    const dav = new WebdavTestServer(
      server,
      port,
      dir,
      `webdav+http://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`,
    );
    server.beforeRequest((context, next) => {
      if (context.request.method !== 'PUT') return next();
      const fault = dav.putFaults.shift();
      if (fault !== undefined) {
        // As real servers do with a body they will not read: answer and close the connection.
        context.response.setHeader('Connection', 'close');
        context.setCode(fault);
        return context.exit();
      }
      if (!dav.putsHeld) return next();
      dav.putsWaiting += 1;
      void dav.putsHeld.then(() => {
        dav.putsWaiting -= 1;
        next();
      });
    });
    server.afterRequest((context, next) => {
      if (context.request.method === 'PUT') dav.putStatuses.push(context.response.statusCode);
      next();
    });
    return dav;
  }

  /** The next PUTs are answered with these statuses (507: storage full, 5xx: failing), one each, in order. */
  failNextPuts(...statuses: number[]): void {
    this.putFaults.push(...statuses);
  }

  /** PUTs wait (see `putsWaiting`) until the function returned is called. */
  holdPuts(): () => void {
    let release = () => {};
    this.putsHeld = new Promise((resolve) => {
      release = () => {
        this.putsHeld = undefined;
        resolve();
      };
    });
    return release;
  }

  /** The server stops answering (connections refused) until `comeBack()`. */
  async goDown(): Promise<void> {
    await this.server.stopAsync();
  }

  async comeBack(): Promise<void> {
    await this.server.startAsync(this.port);
  }

  async stop(): Promise<void> {
    await this.server.stopAsync();
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
