import { describe, expect, it } from 'vitest';
import { trayIconBitmap, trayLook } from './tray-status.ts';

describe('the tray status', () => {
  it('tells the agent in words whether the screen is recorded', () => {
    expect(trayLook('recording').tooltip).toMatch(/screen is being recorded/);
    expect(trayLook('paused').tooltip).toMatch(/paused, your screen is not recorded/);
    expect(trayLook('offline').tooltip).toMatch(/offline/);
  });

  it('gives every state its own colour', () => {
    const states = ['idle', 'recording', 'paused', 'uploading', 'offline'] as const;
    expect(new Set(states.map((s) => trayLook(s).color.join())).size).toBe(states.length);
  });

  it('draws an opaque dot in the middle on a transparent square, in BGRA', () => {
    const bitmap = trayIconBitmap('recording', 16);
    expect(bitmap.length).toBe(16 * 16 * 4);
    const pixel = (x: number, y: number) => [...bitmap.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 4)];
    expect(pixel(8, 8)).toEqual([38, 38, 220, 255]);
    expect(pixel(0, 0)[3]).toBe(0);
  });
});
