import { describe, expect, it } from 'vitest';
import { renderDtmfTone } from '../mcp/audio-engine/dtmf.ts';
import { muLaw, muLawDecode, muLawEncodeStereo, wavHeader } from '../mcp/audio-engine/g711-wav.ts';
import { analyseChannels, decodeAnalyticsWav } from './speech-analytics.ts';

const rate = 8000;

function speech(channel: Float32Array, fromMs: number, toMs: number): void {
  for (let i = (fromMs * rate) / 1000; i < (toMs * rate) / 1000; i++) {
    // Speech-like: a voiced tone with short gaps between "words", shorter than the hangover.
    const inGap = i % 4000 >= 1900 && i % 4000 < 2100;
    channel[i] = inGap ? 0 : 0.3 * Math.sin((2 * Math.PI * 180 * i) / rate);
  }
}

describe('speech analytics', () => {
  it('measures talk per channel, silence, overtalk, the longest silence and DTMF', () => {
    const agent = new Float32Array(rate * 5);
    const customer = new Float32Array(rate * 5);
    speech(agent, 0, 2000);
    speech(customer, 1500, 3500);
    renderDtmfTone('5', rate, customer, 4000 * (rate / 1000), 100 * (rate / 1000), 0);
    expect(analyseChannels(agent, customer, rate)).toEqual({
      agentTalkMs: 2000,
      customerTalkMs: 2100,
      silenceMs: 1400,
      overtalkMs: 500,
      longestSilenceMs: 900,
      dtmfDigits: 1,
    });
  });

  it('reads the stereo G.711 analytics WAV back, mu-law round trip within its precision', () => {
    const left = Float32Array.from({ length: 800 }, (_, i) => 0.5 * Math.sin(i / 10));
    const right = Float32Array.from({ length: 800 }, (_, i) => 0.2 * Math.cos(i / 7));
    const data = muLawEncodeStereo(left, right, 800);
    const decoded = decodeAnalyticsWav(Buffer.concat([wavHeader(data.length, rate, 2), data]));
    expect(decoded.sampleRate).toBe(rate);
    for (let i = 0; i < 800; i++) {
      expect(Math.abs(decoded.agent[i]! - left[i]!)).toBeLessThan(0.02);
      expect(Math.abs(decoded.customer[i]! - right[i]!)).toBeLessThan(0.02);
    }
    expect(muLawDecode(muLaw(0))).toBeCloseTo(0, 3);
    expect(() => decodeAnalyticsWav(Buffer.from('not a wav at all, not at all, not at all, not at all......'))).toThrow(
      /stereo G.711/,
    );
  });
});
