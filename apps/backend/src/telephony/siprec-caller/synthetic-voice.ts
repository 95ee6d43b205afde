// Generated audio: without WAV files, each leg gets a voice of its own, taking turns.

const vowelFormants: ReadonlyArray<readonly [number, number, number]> = [
  [730, 1090, 2440],
  [270, 2290, 3010],
  [300, 870, 2240],
  [530, 1840, 2480],
  [570, 840, 2410],
];
const turnSeconds = 2.5;
const syllableSeconds = 0.22;

/**
 * Ten seconds of a buzzing, vowel-shaped voice at `pitchHz`, speaking during every other turn of
 * 2.5 s (`speaksFirst`: the first), in syllables of 220 ms; a faint line noise otherwise, as a
 * real line is never digitally silent. A harmonic series through three formant resonances per
 * vowel is enough for voice activity detection and for a listener to tell the legs apart.
 */
function syntheticVoice(pitchHz: number, speaksFirst: boolean, vowelOffset: number): Int16Array {
  const rate = 8000;
  const voice = new Float32Array(rate * 10);
  let phase = 0;
  let seed = 0x2545f491 + vowelOffset;
  let peak = 0;
  for (let n = 0; n < voice.length; n++) {
    const t = n / rate;
    const turn = Math.floor(t / turnSeconds);
    const inTurn = t - turn * turnSeconds;
    const speaking = turn % 2 === (speaksFirst ? 0 : 1) && inTurn < turnSeconds - 0.3;
    if (!speaking) continue;
    const syllable = Math.floor(inTurn / syllableSeconds);
    const envelope = Math.sin((Math.PI * (inTurn - syllable * syllableSeconds)) / syllableSeconds) ** 2;
    // A falling intonation over the turn, with a slow wobble.
    const f0 = pitchHz * (1 + 0.06 * Math.sin(2 * Math.PI * 0.9 * t) - 0.1 * (inTurn / turnSeconds));
    phase = (phase + (2 * Math.PI * f0) / rate) % (2 * Math.PI);
    const formants = vowelFormants[(syllable + vowelOffset + turn) % vowelFormants.length]!;
    // sin(k * phase) for k = 1, 2, ... by the Chebyshev recurrence.
    const twoCos = 2 * Math.cos(phase);
    let previous = 0;
    let current = Math.sin(phase);
    let sample = 0;
    for (let k = 1; k * f0 < 3600; k++) {
      const frequency = k * f0;
      let gain = 0.15;
      for (const formant of formants) gain += 1 / (1 + ((frequency - formant) / 90) ** 2);
      sample += (gain / k) * current;
      const next = twoCos * current - previous;
      previous = current;
      current = next;
    }
    voice[n] = sample * envelope;
    peak = Math.max(peak, Math.abs(voice[n]!));
  }
  const out = new Int16Array(voice.length);
  for (let n = 0; n < voice.length; n++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const noise = (seed / 2 ** 32 - 0.5) * 40;
    out[n] = Math.round((voice[n]! / peak) * 9000 + noise);
  }
  return out;
}

let generatedAudio: [Int16Array, Int16Array] | undefined;

/** The customer's (lower voice, speaks first) and the agent's generated audio, made once per process. */
export function syntheticCallAudio(): [Int16Array, Int16Array] {
  generatedAudio ??= [syntheticVoice(115, true, 0), syntheticVoice(205, false, 2)];
  return generatedAudio;
}
