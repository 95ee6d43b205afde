import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { v2 as webdav } from 'webdav-server';

/** A real WebDAV server over HTTP with Basic authentication, storing into a temporary directory. */
export class WebdavTestServer {
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
    return new WebdavTestServer(
      server,
      port,
      dir,
      `webdav+http://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/`,
    );
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
