import type { DesktopStatus } from '@vox/shared';

interface TrayLook {
  tooltip: string;
  /** the dot's colour, RGB */
  color: readonly [number, number, number];
}

/**
 * What the tray shows for each state. The agent must always be able to tell whether the screen
 * is being recorded, even with the window hidden: red is recording, amber paused.
 */
const looks: Record<DesktopStatus, TrayLook> = {
  recording: { tooltip: 'Vox Recorder: your screen is being recorded', color: [220, 38, 38] },
  paused: { tooltip: 'Vox Recorder: recording paused, your screen is not recorded', color: [245, 158, 11] },
  uploading: { tooltip: 'Vox Recorder: uploading a screen recording', color: [37, 99, 235] },
  idle: { tooltip: 'Vox Recorder: not recording', color: [22, 163, 74] },
  offline: { tooltip: 'Vox Recorder: offline, reconnecting to the recording server', color: [107, 114, 128] },
};

export function trayLook(status: DesktopStatus): TrayLook {
  return looks[status];
}

/**
 * A filled circle of the status colour on a transparent square, as 32-bit BGRA pixels (what
 * Electron's `nativeImage.createFromBitmap` takes): no image files to ship or to load.
 */
export function trayIconBitmap(status: DesktopStatus, size = 16): Buffer {
  const [red, green, blue] = looks[status].color;
  const pixels = Buffer.alloc(size * size * 4);
  const centre = (size - 1) / 2;
  const radius = size / 2 - 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const distance = Math.hypot(x - centre, y - centre);
      // A one-pixel soft edge so the dot does not look jagged at small sizes.
      const alpha = Math.max(0, Math.min(1, radius + 0.5 - distance));
      const offset = (y * size + x) * 4;
      pixels[offset] = blue;
      pixels[offset + 1] = green;
      pixels[offset + 2] = red;
      pixels[offset + 3] = Math.round(alpha * 255);
    }
  }
  return pixels;
}
