import type { FastifyRequest } from 'fastify';
import { apiRoutes, mayDownload, type MediaTicket, type MediaTicketPurpose, type User } from '@vox/shared';
import type { AuditLog } from '../recording/audit/audit-log.ts';
import type { MediaVault } from '../recording/crypto/media-vault.ts';
import type { RecordingStore, StoredMedia } from '../recording/recordings/recording-store.ts';
import { Refusal } from '../platform/refusal.ts';
import type { ApiRouteServer } from './api-route-server.ts';
import { bearerTokenHash, bearerTokenRequired } from './authentication.ts';
import { parseRange } from './http-range.ts';
import { MediaTickets, type MediaTicketGrant } from './media-tickets.ts';
import { requesterOf } from './requester.ts';

/** Ranges shorter than this are decrypted into one buffer before they are sent. */
const bufferedRangeBytes = 256 * 1024;

const mediaPath = (id: string, mediaId: string) =>
  `/api/v2/recordings/${encodeURIComponent(id)}/media/${encodeURIComponent(mediaId)}`;

function requireDownloadRight(user: User): void {
  if (!mayDownload(user)) {
    throw new Refusal(
      'forbidden',
      'you may play this recording but not download it: ask an admin for the right (players ask for a ticket)',
    );
  }
}

/** Who reads which bytes and as what; `grant` when a ticket opened them. */
interface Reader {
  user: User;
  /** undefined: no such media, or not for this user */
  media: StoredMedia | undefined;
  purpose: MediaTicketPurpose;
  grant?: MediaTicketGrant;
}

/**
 * Media bytes and the tickets that open them. A player (`<audio>`, `<video>`, `<img>`) asks for a
 * ticket with its bearer token and loads the ticket's URL: one ticket is one opening, audited once
 * whatever ranges follow. Bytes read with the bearer token itself are a download, whatever the
 * Range, audited at each request and refused without the download right.
 */
export function registerMediaRoutes(
  routes: ApiRouteServer,
  recordings: RecordingStore,
  vault: MediaVault,
  audit: AuditLog,
): void {
  const tickets = new MediaTickets();

  /**
   * Every read checks, in one query, that the session is live and that its user may see the
   * recording now: a logout, a changed role or group, a right withdrawn, applies at the next
   * Range request, and ends a ticket too.
   */
  async function readerOf(request: FastifyRequest, id: string, mediaId: string, ticket?: string): Promise<Reader> {
    // Without a ticket the bytes are not for a player: a download, whatever the Range (`bytes=1-` too).
    if (ticket === undefined) {
      const tokenHash = bearerTokenHash(request.headers.authorization);
      const found = tokenHash && (await recordings.findMediaForSession(tokenHash, id, mediaId));
      if (!found) throw bearerTokenRequired();
      return { ...found, purpose: 'download' };
    }
    const grant = tickets.redeem(ticket, id, mediaId);
    const found = grant && (await recordings.findMediaForSession(grant.tokenHash, id, mediaId));
    if (!grant || !found) {
      throw new Refusal(
        'unauthorized',
        `this media ticket is unknown, expired, for another file or its session ended: ask for a new one at POST ${mediaPath(id, mediaId)}/ticket`,
      );
    }
    return { ...found, purpose: grant.purpose, grant };
  }

  routes.serve(apiRoutes.mediaTicket, async ({ user, tokenHash, params: { id, mediaId }, body: { purpose } }) => {
    if (!(await recordings.findMedia(id, mediaId, user))) {
      throw new Refusal('not_found', `no media ${mediaId} in recording ${id}`);
    }
    if (purpose === 'download') requireDownloadRight(user);
    const { ticket, openBy } = tickets.issue({
      userId: user.id,
      tokenHash,
      recordingId: id,
      mediaId,
      purpose,
    });
    const answer: MediaTicket = { path: `${mediaPath(id, mediaId)}?ticket=${ticket}`, openBy: openBy.toISOString() };
    return answer;
  });

  routes.serve(apiRoutes.getMedia, async ({ request, reply, params: { id, mediaId }, query: { download, ticket } }) => {
    const { user, media, purpose, grant } = await readerOf(request, id, mediaId, ticket);
    if (!media) throw new Refusal('not_found', `no media ${mediaId} in recording ${id}`);
    if (purpose === 'download') requireDownloadRight(user);
    // Decrypted on the fly: sizes and ranges are the plaintext's.
    const opened = await vault.open(media.storagePath);
    const size = opened.size;
    const range = parseRange(request.headers.range, size);
    // Audited before a byte is sent: media that cannot be audited is not served.
    if (range !== 'unsatisfiable') {
      const record = () =>
        audit.append({
          actor: user.id,
          // A thumbnail in a results table is a look, not a playback: kept apart so playbacks stay readable.
          action: purpose === 'download' ? 'download' : media.type.startsWith('image/') ? 'preview' : 'playback',
          target: `${id}/${mediaId}`,
          source: requesterOf(user, request).source,
          details: { type: media.type },
        });
      if (grant) {
        grant.opening ??= record().catch((error: unknown) => {
          grant.opening = undefined;
          throw error;
        });
        await grant.opening;
      } else {
        await record();
      }
    }
    const attachment = grant ? grant.purpose === 'download' : download === '1';
    if (attachment) reply.header('Content-Disposition', `attachment; filename="${mediaId}"`);
    reply
      .header('Accept-Ranges', 'bytes')
      .header('Content-Type', media.type)
      .header('Cache-Control', 'private, no-store');
    if (range === 'unsatisfiable') {
      reply.header('Content-Range', `bytes */${size}`);
      throw new Refusal('range_not_satisfiable', `the range is outside the ${size} bytes of ${mediaId}`);
    }
    if (!range) {
      reply.header('Content-Length', size);
      return reply.send(await opened.read());
    }
    reply
      .status(206)
      .header('Content-Range', `bytes ${range.start}-${range.end}/${size}`)
      .header('Content-Length', range.end - range.start + 1);
    // A player's range (a few KiB to a few hundred) goes out in one write; a long one is streamed.
    const inOneWrite = range.end - range.start < bufferedRangeBytes;
    return reply.send(inOneWrite ? await opened.readBytes(range) : await opened.read(range));
  });
}
