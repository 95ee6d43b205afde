/** What a key does in the player. */
export type PlayerCommand = { kind: 'toggle' } | { kind: 'seekBy'; seconds: number } | { kind: 'rate'; step: 1 | -1 };

/** The playback speeds offered, slowest first. */
export const playbackRates = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;

/**
 * Space plays or pauses; the arrows seek 5 s (1 s with Shift); Up and Down change speed. Keys typed
 * into a form field are the field's own.
 */
export function playerCommandOf(
  key: string,
  modifiers: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean },
  targetTag: string,
): PlayerCommand | undefined {
  if (['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON'].includes(targetTag.toUpperCase()) && key === ' ') return undefined;
  if (['INPUT', 'TEXTAREA', 'SELECT'].includes(targetTag.toUpperCase())) return undefined;
  if (modifiers.ctrlKey || modifiers.metaKey || modifiers.altKey) return undefined;
  const step = modifiers.shiftKey ? 1 : 5;
  switch (key) {
    case ' ':
      return { kind: 'toggle' };
    case 'ArrowLeft':
      return { kind: 'seekBy', seconds: -step };
    case 'ArrowRight':
      return { kind: 'seekBy', seconds: step };
    case 'ArrowUp':
      return { kind: 'rate', step: 1 };
    case 'ArrowDown':
      return { kind: 'rate', step: -1 };
    default:
      return undefined;
  }
}

/** The next offered speed up or down from `rate`, staying within the offered ones. */
export function nextRate(rate: number, step: 1 | -1): number {
  const index = playbackRates.findIndex((r) => r >= rate - 1e-9);
  const current = index === -1 ? playbackRates.length - 1 : index;
  const next = Math.max(0, Math.min(playbackRates.length - 1, current + step));
  return playbackRates[next]!;
}
