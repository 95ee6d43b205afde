import { describe, expect, it } from 'vitest';
import { renderDtmfTone } from '../../platform/media/dtmf.ts';
import { muLawEncodeStereo, wavHeader } from '../../platform/media/g711-wav.ts';
import { muLawDecodeTable, muLawEncode } from '../../platform/media/rtp/g711.ts';
import { Readable } from 'node:stream';
import { analyseAnalyticsWav, analyseChannels } from './speech-analytics.ts';

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

  it('analyses the stereo G.711 WAV as it streams, in pieces of any size, as it would the samples', async () => {
    const agent = new Float32Array(rate * 3);
    const customer = new Float32Array(rate * 3);
    speech(agent, 0, 1000);
    speech(customer, 800, 2000);
    renderDtmfTone('7', rate, agent, 2500 * (rate / 1000), 100 * (rate / 1000), 0);
    const data = muLawEncodeStereo(agent, customer, agent.length);
    const wav = Buffer.concat([wavHeader(data.length, rate, 2), data]);
    const pieces = [wav.subarray(0, 30), wav.subarray(30, 1001), wav.subarray(1001, 30_001), wav.subarray(30_001)];
    const streamed = await analyseAnalyticsWav(Readable.from(pieces));
    const decoded = Float32Array.from(
      data.filter((_, i) => i % 2 === 0),
      (b) => muLawDecodeTable[b]! / 32768,
    );
    const decodedCustomer = Float32Array.from(
      data.filter((_, i) => i % 2 === 1),
      (b) => muLawDecodeTable[b]! / 32768,
    );
    expect(streamed).toEqual(analyseChannels(decoded, decodedCustomer, rate));
    expect(streamed).toMatchObject({ agentTalkMs: 1100, customerTalkMs: 1200, overtalkMs: 200, dtmfDigits: 1 });
    expect(muLawEncode(0)).toBe(0xff);
    await expect(
      analyseAnalyticsWav(Readable.from([Buffer.from('not a wav at all, not at all, not at all, not at all........')])),
    ).rejects.toThrow(/stereo G.711/);
  });
});
