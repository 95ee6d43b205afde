import { randomBytes } from 'node:crypto';
import type { MediaTicketPurpose } from '@vox/shared';

/** An unused ticket is a leaked URL at best: it must be opened soon after it is asked for. */
const openWithinMs = 60_000;
/** A `<video>` keeps sending range requests as it plays and seeks: each one keeps the ticket alive. */
const idleMs = 15 * 60_000;
const lifetimeMs = 4 * 3_600_000;
/** A results page asks for a ticket per thumbnail; past this, a user's oldest tickets go. */
const perUser = 500;
const sweepEveryMs = 30_000;

export interface MediaTicketGrant {
  userId: string;
  /**
   * the hash of the bearer token it was asked with (never the token itself): each use checks that
   * session again
   */
  tokenHash: string;
  recordingId: string;
  mediaId: string;
  purpose: MediaTicketPurpose;
  /** the audit record of this opening, written by its first request and awaited by the others */
  opening?: Promise<unknown>;
}

interface LiveTicket extends MediaTicketGrant {
  issuedAt: number;
  lastUseAt: number | undefined;
}

/**
 * Short-lived tickets for one media file of one user, kept in memory: media elements cannot send
 * an Authorization header, and a bearer token in a URL ends up in logs, histories and proxies.
 * A restart forgets them; a player asks again.
 */
export class MediaTickets {
  private readonly live = new Map<string, LiveTicket>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  issue(grant: Omit<MediaTicketGrant, 'opening'>): { ticket: string; openBy: Date } {
    const now = this.now();
    this.sweep(now);
    const own = [...this.live].filter(([, t]) => t.userId === grant.userId);
    for (const [ticket] of own.slice(0, Math.max(0, own.length - perUser + 1))) this.live.delete(ticket);
    const ticket = randomBytes(32).toString('base64url');
    this.live.set(ticket, { ...grant, issuedAt: now, lastUseAt: undefined });
    return { ticket, openBy: new Date(now + openWithinMs) };
  }

  /** The ticket's grant when it is live and for this very file; the use keeps it alive. */
  redeem(ticket: string, recordingId: string, mediaId: string): MediaTicketGrant | undefined {
    const now = this.now();
    const found = this.live.get(ticket);
    if (!found) return undefined;
    if (now > this.expiry(found)) {
      this.live.delete(ticket);
      return undefined;
    }
    if (found.recordingId !== recordingId || found.mediaId !== mediaId) return undefined;
    found.lastUseAt = now;
    return found;
  }

  private expiry(ticket: LiveTicket): number {
    return ticket.lastUseAt === undefined
      ? ticket.issuedAt + openWithinMs
      : Math.min(ticket.lastUseAt + idleMs, ticket.issuedAt + lifetimeMs);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < sweepEveryMs) return;
    this.lastSweep = now;
    for (const [ticket, entry] of this.live) if (now > this.expiry(entry)) this.live.delete(ticket);
  }
}
