import { z } from 'zod';

/**
 * What a media ticket opens the file for: `play` (a player, a thumbnail, the waveform) or
 * `download` (an attachment; needs the download right, checked again at each use).
 */
export const mediaTicketPurposeSchema = z.enum(['play', 'download']);
export type MediaTicketPurpose = z.infer<typeof mediaTicketPurposeSchema>;

/** `POST /recordings/{id}/media/{mediaId}/ticket` */
export const mediaTicketRequestSchema = z.object({ purpose: mediaTicketPurposeSchema.default('play') });
export type MediaTicketRequest = z.input<typeof mediaTicketRequestSchema>;

/**
 * A ticket opens one media file for the user who asked for it, so that a `<video>`, `<img>` or
 * download link can load it without the bearer token in its URL. It must be used within a minute;
 * each use keeps it valid 15 minutes more (a player's range requests), four hours at most, and
 * never past the session that asked for it.
 */
export const mediaTicketSchema = z.object({
  /** `/api/v2/recordings/{id}/media/{mediaId}?ticket=…`, on the backend's origin */
  path: z.string(),
  /** the ticket is refused if it has not been used by then */
  openBy: z.string(),
});
export type MediaTicket = z.infer<typeof mediaTicketSchema>;

/** `GET /recordings/{id}/media/{mediaId}`: a ticket, or `download=1` for an attachment with a bearer token. */
export const mediaQuerySchema = z.object({
  download: z.enum(['0', '1']).default('0'),
  ticket: z.string().min(1).max(128).optional(),
});
