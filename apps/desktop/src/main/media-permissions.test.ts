import { describe, expect, it } from 'vitest';
import { permissionGranted } from './media-permissions.ts';

const agentPage = 'vox-app://desktop/agent.html';

describe('permissionGranted', () => {
  it('lets app pages capture the screen and go full screen', () => {
    expect(permissionGranted({ permission: 'display-capture', requestingUrl: agentPage })).toBe(true);
    expect(permissionGranted({ permission: 'fullscreen', requestingUrl: agentPage })).toBe(true);
    // How Electron before 45 reports getDisplayMedia.
    expect(permissionGranted({ permission: 'media', requestingUrl: agentPage, mediaTypes: [] })).toBe(true);
  });

  it('refuses camera and microphone to app pages', () => {
    expect(permissionGranted({ permission: 'media', requestingUrl: agentPage, mediaTypes: ['audio'] })).toBe(false);
    expect(permissionGranted({ permission: 'media', requestingUrl: agentPage, mediaTypes: ['video'] })).toBe(false);
  });

  it.each(['notifications', 'geolocation', 'clipboard-read', 'openExternal', 'unknown'])('refuses %s', (permission) => {
    expect(permissionGranted({ permission, requestingUrl: agentPage })).toBe(false);
  });

  it('refuses everything to other pages', () => {
    expect(permissionGranted({ permission: 'display-capture', requestingUrl: 'https://evil.example/' })).toBe(false);
    expect(permissionGranted({ permission: 'fullscreen', requestingUrl: undefined })).toBe(false);
  });
});
