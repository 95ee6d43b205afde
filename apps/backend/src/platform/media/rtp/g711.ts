/**
 * ITU-T G.711 companding between 16-bit linear PCM and 8-bit mu-law (PCMU, payload type 0) and
 * A-law (PCMA, payload type 8). The standard works on 14-bit (mu-law) and 13-bit (A-law) samples;
 * 16-bit samples are those shifted left, so the decoded values here are the standard's scaled by
 * 4 and 8: mu-law spans -32124..32124 and A-law -32256..32256.
 */

/** A 16-bit sample from any number: rounded and clipped. */
function pcm16(sample: number): number {
  if (!Number.isFinite(sample)) return 0;
  return Math.max(-32768, Math.min(32767, Math.round(sample)));
}

/** The segment (0..7) of a magnitude: segment 0 ends below `firstEnd`, each next one doubles. */
function segmentOf(magnitude: number, firstEnd: number): number {
  let segment = 0;
  for (let end = firstEnd; magnitude >= end && segment < 7; end <<= 1) segment++;
  return segment;
}

/**
 * mu-law of a 16-bit sample. A negative sample's magnitude is its one's complement, as in the
 * ITU-T G.191 reference coder: the decision thresholds are then symmetric about -0.5, so -1 and 0
 * both land on a zero code instead of -1 rounding to the first negative step.
 */
export function muLawEncode(sample: number): number {
  const pcm = pcm16(sample);
  const negative = pcm < 0;
  // 14-bit magnitude plus the bias of 33 that makes the segments start on powers of two.
  const biased = Math.min(8158, (negative ? ~pcm : pcm) >> 2) + 33;
  const segment = segmentOf(biased, 0x40);
  const code = (segment << 4) | ((biased >> (segment + 1)) & 0x0f);
  // Codes go on the wire inverted; a positive sample keeps the sign bit set.
  return (negative ? code ^ 0x7f : code ^ 0xff) & 0xff;
}

/** A-law of a 16-bit sample (one's complement for negatives, as in `muLawEncode`). */
export function aLawEncode(sample: number): number {
  const pcm = pcm16(sample);
  const negative = pcm < 0;
  const magnitude = (negative ? ~pcm : pcm) >> 3; // 13-bit magnitude, 0..4095
  const segment = segmentOf(magnitude, 0x20);
  const code = (segment << 4) | ((segment < 2 ? magnitude >> 1 : magnitude >> segment) & 0x0f);
  // Even bits are inverted on the wire (0x55); the sign bit is set for positive samples.
  return (negative ? code ^ 0x55 : code ^ 0xd5) & 0xff;
}

function muLawDecode(byte: number): number {
  const code = ~byte & 0xff;
  const segment = (code >> 4) & 0x07;
  // The middle of the decision interval, in 16-bit units.
  const magnitude = ((((code & 0x0f) << 3) + 0x84) << segment) - 0x84;
  return code & 0x80 ? -magnitude : magnitude;
}

function aLawDecode(byte: number): number {
  const code = byte ^ 0x55;
  const segment = (code >> 4) & 0x07;
  const step = (code & 0x0f) << 4;
  const magnitude = segment === 0 ? step + 8 : (step + 0x108) << (segment - 1);
  return code & 0x80 ? magnitude : -magnitude;
}

function decodeTable(decode: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let byte = 0; byte < 256; byte++) table[byte] = decode(byte);
  return table;
}

/** 16-bit sample of each mu-law byte, for decoding RTP payloads a byte at a time. */
export const muLawDecodeTable: Int16Array = decodeTable(muLawDecode);

/** 16-bit sample of each A-law byte. */
export const aLawDecodeTable: Int16Array = decodeTable(aLawDecode);
