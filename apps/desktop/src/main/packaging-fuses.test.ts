import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { LinuxPackager, type Configuration } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Packaging cannot run here (electron-builder downloads Electron's zips), so this runs the part of
 * it that flips the fuses: electron-builder, as installed, reads electron-builder.yml the way
 * `npm run dist` does, checks it against its schema, and flips the fuses of a stand-in binary that
 * carries Electron's fuse wire in its default state.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** @electron/fuses finds the wire after this marker Electron builds into its binary. */
const fuseSentinel = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const on = '1'.charCodeAt(0);
const off = '0'.charCodeAt(0);

/** Electron's defaults: run as Node, NODE_OPTIONS, --inspect and file:// privileges on, the rest off. */
const electronDefaultWire = [on, off, on, on, off, off, off, on];

/** What the packaged desktop must be: each fuse, and whether it is blown on or off. */
const required: [FuseV1Options, 'on' | 'off'][] = [
  [FuseV1Options.RunAsNode, 'off'],
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable, 'off'],
  [FuseV1Options.EnableNodeCliInspectArguments, 'off'],
  [FuseV1Options.OnlyLoadAppFromAsar, 'on'],
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation, 'on'],
  [FuseV1Options.EnableCookieEncryption, 'on'],
  [FuseV1Options.GrantFileProtocolExtraPrivileges, 'off'],
];

interface FuseFlipper {
  doAddElectronFuses(context: { appOutDir: string; electronPlatformName: string }): Promise<void>;
}

let config: Configuration;
let dir: string;

beforeAll(async () => {
  config = await getConfig(repoRoot, path.join(repoRoot, 'electron-builder.yml'), null);
  dir = await mkdtemp(path.join(tmpdir(), 'vox-fuses-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('electron-builder.yml', () => {
  it('is a configuration the installed electron-builder accepts (fuse names included)', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('packs the app into an asar whose integrity electron-builder records', () => {
    expect(config.asar).toBe(true);
    expect(config.disableAsarIntegrity).not.toBe(true);
  });

  it('names every fuse the desktop needs', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('makes the packaging step blow each fuse in the Electron binary', async () => {
    const executableName = 'vox-recorder';
    const binary = path.join(dir, executableName);
    await writeFile(
      binary,
      Buffer.concat([
        Buffer.from('\u007fELF stand-in for the Electron executable '),
        Buffer.from(fuseSentinel),
        Buffer.from([1, electronDefaultWire.length, ...electronDefaultWire]),
        Buffer.from(' the rest of the binary'),
      ]),
    );
    // Only what the fuse step reads of a LinuxPackager: its configuration and executable name.
    const packager = Object.create(LinuxPackager.prototype, {
      config: { value: config },
      executableName: { value: executableName },
    }) as FuseFlipper;
    await packager.doAddElectronFuses({ appOutDir: dir, electronPlatformName: 'linux' });

    const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
    const blown = required.map(([fuse]) => [FuseV1Options[fuse], wire[fuse] === on ? 'on' : 'off']);
    expect(blown).toEqual(required.map(([fuse, state]) => [FuseV1Options[fuse], state]));
  });
});
