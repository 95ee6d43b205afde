import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const base = { VOX_DATA_DIR: '/srv/vox-a', VOX_DEMO: '1' };

describe('where media and screen uploads go', () => {
  it('defaults to folders in the data directory', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      storageUrl: undefined,
      localStorageDir: '/srv/vox-a/media',
      screenUploadDir: '/srv/vox-a/screen-uploads',
    });
  });

  it('takes a shared folder for media (file:///) and for uploads, as backends behind one balancer need', () => {
    const config = loadConfig({
      ...base,
      VOX_STORAGE_URL: 'file:///mnt/vox/media',
      VOX_SCREEN_UPLOAD_DIR: '/mnt/vox/uploads',
    });
    expect(config).toMatchObject({
      storageUrl: undefined,
      localStorageDir: '/mnt/vox/media',
      screenUploadDir: path.resolve('/mnt/vox/uploads'),
    });
    expect(loadConfig({ ...base, VOX_STORAGE_URL: 'webdav+http://dav.example/media' }).storageUrl).toBe(
      'webdav+http://dav.example/media',
    );
  });

  it('refuses a relative file URL and other schemes, naming the forms it takes', () => {
    for (const url of ['file://relative/media', 'ftp://store/media']) {
      expect(() => loadConfig({ ...base, VOX_STORAGE_URL: url })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, VOX_STORAGE_URL: url })).toThrow(/file:\/\/\/absolute\/path/);
    }
  });
});
