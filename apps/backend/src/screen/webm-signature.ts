import fs from 'node:fs/promises';

/** A screen upload that is not what the desktop records: it is refused, never handed to ffmpeg. */
export class NotWebmError extends Error {}

const ebmlMagic = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
/** The EBML DocType element (ID 0x4282) holding "webm". */
const webmDocType = Buffer.from([0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d]);

/**
 * Checks a file is a WebM by its EBML header: the magic at the start and the "webm" DocType in the
 * header that follows. MediaRecorder always writes both; a playlist, an image or a Matroska file
 * of another kind does not pass.
 */
export async function assertWebm(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const header = head.subarray(0, bytesRead);
    if (!header.subarray(0, 4).equals(ebmlMagic) || header.indexOf(webmDocType) < 0) {
      throw new NotWebmError('the screen recording is not a WebM (no EBML header with DocType webm)');
    }
  } finally {
    await handle.close();
  }
}
