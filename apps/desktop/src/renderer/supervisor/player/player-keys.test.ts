import { describe, expect, it } from 'vitest';
import { nextRate, playerCommandOf } from './player-keys.ts';

const none = { shiftKey: false, ctrlKey: false, metaKey: false, altKey: false };

describe('player keyboard shortcuts', () => {
  it('space toggles, arrows seek 5 s or 1 s with shift, up and down change speed', () => {
    expect(playerCommandOf(' ', none, 'DIV')).toEqual({ kind: 'toggle' });
    expect(playerCommandOf('ArrowLeft', none, 'BODY')).toEqual({ kind: 'seekBy', seconds: -5 });
    expect(playerCommandOf('ArrowRight', { ...none, shiftKey: true }, 'BODY')).toEqual({ kind: 'seekBy', seconds: 1 });
    expect(playerCommandOf('ArrowUp', none, 'BODY')).toEqual({ kind: 'rate', step: 1 });
    expect(playerCommandOf('ArrowDown', none, 'BODY')).toEqual({ kind: 'rate', step: -1 });
  });

  it('leaves keys typed into a field, a focused button, and browser shortcuts alone', () => {
    expect(playerCommandOf(' ', none, 'input')).toBeUndefined();
    expect(playerCommandOf('ArrowLeft', none, 'SELECT')).toBeUndefined();
    expect(playerCommandOf(' ', none, 'BUTTON')).toBeUndefined();
    expect(playerCommandOf('ArrowLeft', { ...none, altKey: true }, 'BODY')).toBeUndefined();
    expect(playerCommandOf('k', none, 'BODY')).toBeUndefined();
  });

  it('steps through the offered speeds and stops at both ends', () => {
    expect(nextRate(1, 1)).toBe(1.25);
    expect(nextRate(1, -1)).toBe(0.75);
    expect(nextRate(2, 1)).toBe(2);
    expect(nextRate(0.5, -1)).toBe(0.5);
    expect(nextRate(1.1, 1)).toBe(1.5);
  });
});
