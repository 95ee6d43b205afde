import { describe, expect, it } from 'vitest';
import { Conversation } from '../../telephony/mcp/conversation.ts';
import { detectDtmf, dtmfGapMs, dtmfToneMs, renderDtmfTone } from './dtmf.ts';

function keyed(digits: string, sampleRate: number, leadMs = 300): Float32Array {
  const tone = (dtmfToneMs * sampleRate) / 1000;
  const step = ((dtmfToneMs + dtmfGapMs) * sampleRate) / 1000;
  const lead = (leadMs * sampleRate) / 1000;
  const out = new Float32Array(lead + digits.length * step + lead);
  [...digits].forEach((digit, i) => renderDtmfTone(digit, sampleRate, out, lead + i * step, tone, 0));
  return out;
}

describe('DTMF tones and their detection', () => {
  it.each([8000, 16000, 22050])('finds every key, in order, at %i Hz', (sampleRate) => {
    const found = detectDtmf(keyed('0123456789*#ABCD', sampleRate), sampleRate);
    expect(found.map((d) => d.digit).join('')).toBe('0123456789*#ABCD');
    expect(found[0]!.atMs).toBeGreaterThanOrEqual(280);
    expect(found[0]!.atMs).toBeLessThanOrEqual(320);
  });

  it('tells repeated digits apart by the gap between them', () => {
    expect(
      detectDtmf(keyed('4111', 8000), 8000)
        .map((d) => d.digit)
        .join(''),
    ).toBe('4111');
  });

  it('finds no digits in speech-like audio or silence', () => {
    const speech = new Float32Array(16000 * 20);
    new Conversation(16000, 99).render(speech, speech, 0, speech.length);
    expect(detectDtmf(speech, 16000)).toEqual([]);
    expect(detectDtmf(new Float32Array(8000), 8000)).toEqual([]);
  });
});

describe('a tone with one block missed in its middle', () => {
  it('is still one digit', () => {
    const rate = 8000;
    const out = new Float32Array(rate);
    renderDtmfTone('1', rate, out, 1600, 800, 0);
    // One 20 ms block inside the tone is lost (as leakage between rows can make it look).
    out.fill(0, 1920, 2080);
    expect(detectDtmf(out, rate).map((d) => d.digit)).toEqual(['1']);
  });
});
