/**
 * ITU-T G.722 decoder, 64 kbit/s (mode 1): sub-band ADPCM, a 6-bit lower band (0-4 kHz) and a 2-bit
 * higher band (4-8 kHz), recombined by the receive QMF into 16 kHz PCM. The arithmetic is the
 * standard's 16-bit integer arithmetic, so decoders agree to the sample (the tests hold this one to
 * ffmpeg's).
 *
 * RTP: each payload octet carries one 8 kHz sub-band sample pair (bits 7-6 the higher band, bits
 * 5-0 the lower band) and decodes to two 16 kHz samples. RFC 3551 keeps G.722's RTP clock at
 * 8000 Hz for historical reasons, so a payload of N octets advances the RTP timestamp by N while
 * yielding 2N samples: the caller places audio at 16 kHz, timestamps at half that rate.
 */

/** Reconstruction levels of the lower band's 6-bit quantizer, innermost interval first. */
const lowerLevels6 = [
  17, 54, 91, 130, 170, 211, 254, 300, 347, 396, 447, 501, 558, 618, 682, 750, 822, 899, 982, 1072, 1170, 1279, 1399,
  1535, 1689, 1873, 2088, 2376, 2738, 3101,
];

/**
 * INVQBL: 6-bit code to level. The encoder numbers positive interval i (1 innermost) as 62 - i,
 * negative intervals 1 and 2 as 63 and 62, the other negative ones as 34 - i; codes 0-3 are never
 * sent; they decode as the innermost negative level, as in ffmpeg. Levels are scaled by 8 so that
 * (DETL * level) >> 15 is the standard's product.
 */
const inverseQuantizer6 = new Int32Array(64).fill(-17 * 8);
lowerLevels6.forEach((level, index) => {
  const interval = index + 1;
  inverseQuantizer6[62 - interval] = level * 8;
  inverseQuantizer6[interval <= 2 ? 64 - interval : 34 - interval] = -level * 8;
});

/**
 * INVQAL: the 4-bit truncation of the code (its top 4 bits), which is all the predictor and the
 * scale factor see, so that they follow the encoder whatever the lower bits carried.
 */
const inverseQuantizer4 = Int32Array.from(
  [0, -2557, -1612, -1121, -786, -530, -323, -150, 2557, 1612, 1121, 786, 530, 323, 150, 0],
  (level) => level * 8,
);

/** LOGSCL: log scale factor step per 4-bit code; big levels grow the step, small ones shrink it. */
const lowerLogStep = Int32Array.from(
  [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0],
  (magnitude) => [-60, -30, 58, 172, 334, 538, 1198, 3042][magnitude]!,
);

/** INVQAH: 2-bit code to level (0 and 2 the outer levels, 1 and 3 the inner ones), scaled by 8. */
const inverseQuantizer2 = Int32Array.from([-926, -202, 926, 202], (level) => level * 8);

/** LOGSCH: log scale factor step per 2-bit code. */
const higherLogStep = Int32Array.of(798, -214, 798, -214);

/** SCALEL/SCALEH: 2^(i/32) in Q11, the mantissa of the log-to-linear scale factor conversion. */
const inverseLog2 = Int32Array.from([
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960, 3025,
  3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
]);

/** LOGSCL/LOGSCH: the log scale factors' ceilings. */
const lowerLogLimit = 18432;
const higherLogLimit = 22528;
/** SCALEL/SCALEH: the exponent offsets, which also set the smallest steps (DETL 32, DETH 8). */
const lowerExponentBias = 8;
const higherExponentBias = 10;

/** The state of one band, `bandState` Int32 words (see `G722Decoder.decode` for what each is). */
const bandState = 22;
/** The receive QMF filters the last 12 samples of each of its two paths (24 taps in all). */
const qmfTaps = 12;

function saturate16(value: number): number {
  return value > 32767 ? 32767 : value < -32768 ? -32768 : value;
}

function limit15(value: number): number {
  return value > 16383 ? 16383 : value < -16384 ? -16384 : value;
}

/** SCALEL/SCALEH: the step size of log scale factor `nb`. */
function linearStep(nb: number, exponentBias: number): number {
  const mantissa = inverseLog2[(nb >> 6) & 31]!;
  const shift = exponentBias - (nb >> 11);
  return (shift >= 0 ? mantissa >> shift : mantissa << -shift) << 2;
}

/** One RTP stream's G.722 decoder state (ADPCM state carries over from packet to packet). */
export class G722Decoder {
  /** The lower band's state (words 0-21), then the higher band's (22-43), in the order `decode` loads them. */
  private readonly bands = new Int32Array(2 * bandState);
  /**
   * The receive QMF's last 12 difference (rl - rh) and sum (rl + rh) samples, each written twice,
   * at p and p + 12, so that the 12 newest are always contiguous (p + 1 oldest .. p + 12 newest).
   */
  private readonly differenceHistory = new Int32Array(2 * qmfTaps);
  private readonly sumHistory = new Int32Array(2 * qmfTaps);
  private historyPosition = 0;

  constructor() {
    this.reset();
  }

  /** Decodes one RTP payload (each byte = 2 output samples at 16 kHz); writes Int16 PCM into `out` at `offset`;
   *  returns the number of samples written (2 * payload.length). */
  decode(payload: Uint8Array, out: Int16Array, offset = 0): number {
    const count = payload.length * 2;
    if (offset < 0 || offset + count > out.length) {
      throw new RangeError(`G.722: ${count} samples do not fit in ${out.length - offset} at offset ${offset}`);
    }
    // The state lives in locals, in the standard's names, while the payload decodes: V8 keeps them
    // in registers, which makes the loop 1.4 times as fast as working on the typed arrays. For the
    // same reason the predictor is written out once per band instead of shared.
    const bands = this.bands;
    // Lower band: predictor output and its zero section's share, pole coefficients, zero
    // coefficients and their delay line of quantized differences (most recent first), the last
    // two partial reconstructions (their signs drive the poles), the last two reconstructed
    // samples (which the poles filter), log scale factor, step size.
    let sl = bands[0]!;
    let szl = bands[1]!;
    let al1 = bands[2]!;
    let al2 = bands[3]!;
    let bl1 = bands[4]!;
    let bl2 = bands[5]!;
    let bl3 = bands[6]!;
    let bl4 = bands[7]!;
    let bl5 = bands[8]!;
    let bl6 = bands[9]!;
    let dlt1 = bands[10]!;
    let dlt2 = bands[11]!;
    let dlt3 = bands[12]!;
    let dlt4 = bands[13]!;
    let dlt5 = bands[14]!;
    let dlt6 = bands[15]!;
    let plt1 = bands[16]!;
    let plt2 = bands[17]!;
    let rlt1 = bands[18]!;
    let rlt2 = bands[19]!;
    let nbl = bands[20]!;
    let detl = bands[21]!;
    // Higher band, the same.
    let sh = bands[22]!;
    let szh = bands[23]!;
    let ah1 = bands[24]!;
    let ah2 = bands[25]!;
    let bh1 = bands[26]!;
    let bh2 = bands[27]!;
    let bh3 = bands[28]!;
    let bh4 = bands[29]!;
    let bh5 = bands[30]!;
    let bh6 = bands[31]!;
    let dh1 = bands[32]!;
    let dh2 = bands[33]!;
    let dh3 = bands[34]!;
    let dh4 = bands[35]!;
    let dh5 = bands[36]!;
    let dh6 = bands[37]!;
    let ph1 = bands[38]!;
    let ph2 = bands[39]!;
    let rh1 = bands[40]!;
    let rh2 = bands[41]!;
    let nbh = bands[42]!;
    let deth = bands[43]!;
    const xd = this.differenceHistory;
    const xs = this.sumHistory;
    let position = this.historyPosition;
    let o = offset;

    for (let n = 0; n < payload.length; n++) {
      const octet = payload[n]!;
      const lowerCode = octet & 0x3f;
      const higherCode = octet >> 6;

      // Lower band. INVQBL: the output uses all 6 bits; INVQAL: adaptation sees only the top 4,
      // like the encoder's, whatever the lower bits carried.
      const rl = limit15(sl + ((detl * inverseQuantizer6[lowerCode]!) >> 15));
      const dlt = (detl * inverseQuantizer4[lowerCode >> 2]!) >> 15;
      // LOGSCL, SCALEL
      nbl = ((nbl * 32512) >> 15) + lowerLogStep[lowerCode >> 2]!;
      nbl = nbl < 0 ? 0 : nbl > lowerLogLimit ? lowerLogLimit : nbl;
      detl = linearStep(nbl, lowerExponentBias);
      // PARREC, RECONS; signs are the 16-bit words' sign bits, so zero counts as positive.
      {
        const plt = dlt + szl;
        const rlt = saturate16(sl + dlt);
        // UPPOL2 (4 * AL1 and its negation in saturating 16-bit arithmetic), UPPOL1
        const sameSign1 = (plt ^ plt1) >= 0;
        const al1Times4 = saturate16(al1 * 4);
        let nextAl2 =
          ((sameSign1 ? saturate16(0 - al1Times4) : al1Times4) >> 7) +
          ((plt ^ plt2) >= 0 ? 128 : -128) +
          ((al2 * 32512) >> 15);
        nextAl2 = nextAl2 > 12288 ? 12288 : nextAl2 < -12288 ? -12288 : nextAl2;
        const al1Limit = 15360 - nextAl2;
        al1 = (sameSign1 ? 192 : -192) + ((al1 * 32640) >> 15);
        al1 = al1 > al1Limit ? al1Limit : al1 < 0 - al1Limit ? 0 - al1Limit : al1;
        al2 = nextAl2;
        // UPZERO (against the old delay line), DELAYA, FILTEZ (the new coefficients and line)
        const gain = dlt === 0 ? 0 : 128;
        bl1 = ((dlt ^ dlt1) < 0 ? 0 - gain : gain) + ((bl1 * 32640) >> 15);
        bl2 = ((dlt ^ dlt2) < 0 ? 0 - gain : gain) + ((bl2 * 32640) >> 15);
        bl3 = ((dlt ^ dlt3) < 0 ? 0 - gain : gain) + ((bl3 * 32640) >> 15);
        bl4 = ((dlt ^ dlt4) < 0 ? 0 - gain : gain) + ((bl4 * 32640) >> 15);
        bl5 = ((dlt ^ dlt5) < 0 ? 0 - gain : gain) + ((bl5 * 32640) >> 15);
        bl6 = ((dlt ^ dlt6) < 0 ? 0 - gain : gain) + ((bl6 * 32640) >> 15);
        dlt6 = dlt5;
        dlt5 = dlt4;
        dlt4 = dlt3;
        dlt3 = dlt2;
        dlt2 = dlt1;
        dlt1 = dlt;
        szl = saturate16(
          ((bl1 * (dlt1 * 2)) >> 15) +
            ((bl2 * (dlt2 * 2)) >> 15) +
            ((bl3 * (dlt3 * 2)) >> 15) +
            ((bl4 * (dlt4 * 2)) >> 15) +
            ((bl5 * (dlt5 * 2)) >> 15) +
            ((bl6 * (dlt6 * 2)) >> 15),
        );
        // FILTEP, PREDIC
        rlt2 = rlt1;
        rlt1 = rlt;
        plt2 = plt1;
        plt1 = plt;
        const spl = saturate16(((al1 * saturate16(rlt1 * 2)) >> 15) + ((al2 * saturate16(rlt2 * 2)) >> 15));
        sl = saturate16(spl + szl);
      }

      // Higher band: INVQAH gives both the output and the adaptation.
      const dh = (deth * inverseQuantizer2[higherCode]!) >> 15;
      const rh = limit15(sh + dh);
      // LOGSCH, SCALEH
      nbh = ((nbh * 32512) >> 15) + higherLogStep[higherCode]!;
      nbh = nbh < 0 ? 0 : nbh > higherLogLimit ? higherLogLimit : nbh;
      deth = linearStep(nbh, higherExponentBias);
      // The same predictor as the lower band's. It filters its own 16-bit reconstruction, not the
      // output `rh`, which is limited to 15 bits.
      {
        const ph = dh + szh;
        const reconstructed = saturate16(sh + dh);
        const sameSign1 = (ph ^ ph1) >= 0;
        const ah1Times4 = saturate16(ah1 * 4);
        let nextAh2 =
          ((sameSign1 ? saturate16(0 - ah1Times4) : ah1Times4) >> 7) +
          ((ph ^ ph2) >= 0 ? 128 : -128) +
          ((ah2 * 32512) >> 15);
        nextAh2 = nextAh2 > 12288 ? 12288 : nextAh2 < -12288 ? -12288 : nextAh2;
        const ah1Limit = 15360 - nextAh2;
        ah1 = (sameSign1 ? 192 : -192) + ((ah1 * 32640) >> 15);
        ah1 = ah1 > ah1Limit ? ah1Limit : ah1 < 0 - ah1Limit ? 0 - ah1Limit : ah1;
        ah2 = nextAh2;
        const gain = dh === 0 ? 0 : 128;
        bh1 = ((dh ^ dh1) < 0 ? 0 - gain : gain) + ((bh1 * 32640) >> 15);
        bh2 = ((dh ^ dh2) < 0 ? 0 - gain : gain) + ((bh2 * 32640) >> 15);
        bh3 = ((dh ^ dh3) < 0 ? 0 - gain : gain) + ((bh3 * 32640) >> 15);
        bh4 = ((dh ^ dh4) < 0 ? 0 - gain : gain) + ((bh4 * 32640) >> 15);
        bh5 = ((dh ^ dh5) < 0 ? 0 - gain : gain) + ((bh5 * 32640) >> 15);
        bh6 = ((dh ^ dh6) < 0 ? 0 - gain : gain) + ((bh6 * 32640) >> 15);
        dh6 = dh5;
        dh5 = dh4;
        dh4 = dh3;
        dh3 = dh2;
        dh2 = dh1;
        dh1 = dh;
        szh = saturate16(
          ((bh1 * (dh1 * 2)) >> 15) +
            ((bh2 * (dh2 * 2)) >> 15) +
            ((bh3 * (dh3 * 2)) >> 15) +
            ((bh4 * (dh4 * 2)) >> 15) +
            ((bh5 * (dh5 * 2)) >> 15) +
            ((bh6 * (dh6 * 2)) >> 15),
        );
        rh2 = rh1;
        rh1 = reconstructed;
        ph2 = ph1;
        ph1 = ph;
        const sph = saturate16(((ah1 * saturate16(rh1 * 2)) >> 15) + ((ah2 * saturate16(rh2 * 2)) >> 15));
        sh = saturate16(sph + szh);
      }

      // Receive QMF: the difference path through the even taps h(2i) rebuilds the earlier of the
      // two samples, the sum path through the odd taps h(2i + 1) the later one; h is symmetric, so
      // the odd taps are the even ones reversed. The taps are Q13 and the standard doubles the
      // sums: >> 12 in the sub-bands' 15-bit scale, so >> 11 for 16-bit PCM (as ffmpeg's decoder
      // gives). Only positive constants multiply: -11 * 0 would be -0 and take V8 off integers.
      position = position === qmfTaps - 1 ? 0 : position + 1;
      const difference = rl - rh;
      const sum = rl + rh;
      xd[position] = difference;
      xd[position + qmfTaps] = difference;
      xs[position] = sum;
      xs[position + qmfTaps] = sum;
      const p = position + 1; // the oldest of the 12
      const earlier =
        3 * xd[p + 11]! -
        11 * xd[p + 10]! +
        12 * xd[p + 9]! +
        32 * xd[p + 8]! -
        210 * xd[p + 7]! +
        951 * xd[p + 6]! +
        3876 * xd[p + 5]! -
        805 * xd[p + 4]! +
        362 * xd[p + 3]! -
        156 * xd[p + 2]! +
        53 * xd[p + 1]! -
        11 * xd[p]!;
      const later =
        3 * xs[p]! -
        11 * xs[p + 1]! +
        12 * xs[p + 2]! +
        32 * xs[p + 3]! -
        210 * xs[p + 4]! +
        951 * xs[p + 5]! +
        3876 * xs[p + 6]! -
        805 * xs[p + 7]! +
        362 * xs[p + 8]! -
        156 * xs[p + 9]! +
        53 * xs[p + 10]! -
        11 * xs[p + 11]!;
      out[o++] = saturate16(earlier >> 11);
      out[o++] = saturate16(later >> 11);
    }

    bands[0] = sl;
    bands[1] = szl;
    bands[2] = al1;
    bands[3] = al2;
    bands[4] = bl1;
    bands[5] = bl2;
    bands[6] = bl3;
    bands[7] = bl4;
    bands[8] = bl5;
    bands[9] = bl6;
    bands[10] = dlt1;
    bands[11] = dlt2;
    bands[12] = dlt3;
    bands[13] = dlt4;
    bands[14] = dlt5;
    bands[15] = dlt6;
    bands[16] = plt1;
    bands[17] = plt2;
    bands[18] = rlt1;
    bands[19] = rlt2;
    bands[20] = nbl;
    bands[21] = detl;
    bands[22] = sh;
    bands[23] = szh;
    bands[24] = ah1;
    bands[25] = ah2;
    bands[26] = bh1;
    bands[27] = bh2;
    bands[28] = bh3;
    bands[29] = bh4;
    bands[30] = bh5;
    bands[31] = bh6;
    bands[32] = dh1;
    bands[33] = dh2;
    bands[34] = dh3;
    bands[35] = dh4;
    bands[36] = dh5;
    bands[37] = dh6;
    bands[38] = ph1;
    bands[39] = ph2;
    bands[40] = rh1;
    bands[41] = rh2;
    bands[42] = nbh;
    bands[43] = deth;
    this.historyPosition = position;
    return count;
  }

  /** Forget the state (after an SSRC change). */
  reset(): void {
    this.bands.fill(0);
    // The smallest steps, which the log scale factors of 0 give.
    this.bands[bandState - 1] = linearStep(0, lowerExponentBias);
    this.bands[2 * bandState - 1] = linearStep(0, higherExponentBias);
    this.differenceHistory.fill(0);
    this.sumHistory.fill(0);
    this.historyPosition = 0;
  }
}
