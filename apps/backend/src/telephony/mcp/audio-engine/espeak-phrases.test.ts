import { describe, expect, it } from 'vitest';
import { Conversation } from '../conversation.ts';
import { speakPhrases } from './espeak-phrases.ts';

// `npm test` installs espeak-ng (scripts/ensure-debian-packages.sh): the phrases are real speech.
describe('espeak-ng phrases', () => {
  it('speaks six lines for each party, in different voices', async () => {
    const phrases = await speakPhrases();
    expect(phrases?.sampleRate).toBe(22050);
    expect(phrases?.agent).toHaveLength(6);
    expect(phrases?.customer).toHaveLength(6);
    for (const phrase of [...phrases!.agent, ...phrases!.customer]) {
      expect(phrase.length).toBeGreaterThan(22050);
      expect(Math.max(...phrase.map(Math.abs))).toBeGreaterThan(0.1);
    }
    expect(phrases!.agent[0]).not.toEqual(phrases!.customer[0]);
  });

  it('are what the parties of a conversation say, one phrase per turn, at the output rate', async () => {
    const phrases = (await speakPhrases())!;
    const conversation = new Conversation(22050, 5, phrases);
    expect(conversation.speaksPhrases).toBe(true);
    const agent = new Float32Array(22050 * 4);
    const customer = new Float32Array(22050 * 4);
    conversation.render(agent, customer, 0, agent.length);
    // The agent speaks first: at the phrases' own rate its channel starts as one of its phrases.
    const spoken = phrases.agent.find((p) => p.subarray(0, 2000).every((v, i) => Math.abs(v - agent[i]!) < 1e-6));
    expect(spoken).toBeDefined();
    expect(customer.subarray(0, spoken!.length).every((v) => v === 0)).toBe(true);
    const at8k = new Float32Array(8000 * 2);
    new Conversation(8000, 5, phrases).render(at8k, at8k, 0, at8k.length);
    expect(Math.max(...at8k.map(Math.abs))).toBeGreaterThan(0.1);
  });
});
