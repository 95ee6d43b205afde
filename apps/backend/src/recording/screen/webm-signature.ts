import fs from 'node:fs/promises';

/** A screen upload that is not what the desktop records: it is refused, never handed to ffmpeg. */
export class NotWebmError extends Error {}

const ebmlMagic = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
/** The EBML DocType element (ID 0x4282) holding "webm". */
const webmDocType = Buffer.from([0x42, 0x82, 0x84, 0x77, 0x65, 0x62, 0x6d]);

/** How much of a file's start the WebM check reads. */
export const webmHeaderBytes = 64;

/**
 * Whether a file's first bytes are a WebM's EBML header: the magic at the start and the "webm"
 * DocType in the header that follows. MediaRecorder always writes both; a playlist, an image or a
 * Matroska file of another kind does not pass.
 */
export function isWebmHeader(head: Uint8Array): boolean {
  const bytes = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, webmHeaderBytes));
  return bytes.subarray(0, 4).equals(ebmlMagic) && bytes.indexOf(webmDocType) >= 0;
}

export async function assertWebm(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(webmHeaderBytes);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (!isWebmHeader(head.subarray(0, bytesRead))) throw new NotWebmError(notWebmMessage);
  } finally {
    await handle.close();
  }
}

export const notWebmMessage = 'the screen recording is not a WebM (no EBML header with DocType webm)';
