import { z } from 'zod';
import {
  auditListSchema,
  auditVerificationSchema,
  callLadderSchema,
  dnConfigSchema,
  groupListSchema,
  mediaTicketSchema,
  recordingListSchema,
  recordingSchema,
  userListSchema,
  userSchema,
  type AuditQuery,
  type CreateUserRequest,
  type DnConfigRequest,
  type MediaTicketPurpose,
  type MediaTicketRequest,
  type UpdateUserRequest,
} from '@vox/shared';
import { ApiSession, backendErrorOf } from '../backend/rest-request.ts';

/** Query parameters as the REST API reads them: absent when empty. */
function queryString(query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * The REST API as the supervisor view uses it (search, playback, ladder, labels, legal hold,
 * administration), each answer checked against its shared schema before a view sees it.
 */
export class SupervisorClient extends ApiSession {
  search(query: Record<string, string>) {
    return this.request('GET', `/api/v2/recordings${queryString(query)}`, recordingListSchema);
  }

  recording(id: string) {
    return this.request('GET', `/api/v2/recordings/${encodeURIComponent(id)}`, recordingSchema);
  }

  ladder(id: string) {
    return this.request('GET', `/api/v2/recordings/${encodeURIComponent(id)}/ladder`, callLadderSchema);
  }

  setLabels(id: string, labels: string[]) {
    return this.request('PUT', `/api/v2/recordings/${encodeURIComponent(id)}/labels`, recordingSchema, { labels });
  }

  setLegalHold(id: string, hold: boolean, reason: string) {
    return this.request('PUT', `/api/v2/recordings/${encodeURIComponent(id)}/legal-hold`, recordingSchema, {
      hold,
      reason,
    });
  }

  /**
   * A URL that opens one media file for a `<video>`, an `<img>` or a download link: media elements
   * cannot send an Authorization header, and a token in a URL would end up in logs. The ticket in it
   * must be used within a minute, and is one opening (one audit record) of the file.
   */
  async mediaUrl(recordingId: string, mediaId: string, purpose: MediaTicketPurpose = 'play'): Promise<string> {
    const { path } = await this.request('POST', `${this.mediaPath(recordingId, mediaId)}/ticket`, mediaTicketSchema, {
      purpose,
    } satisfies MediaTicketRequest);
    return `${this.baseUrl}${path}`;
  }

  /**
   * The media's bytes, fetched once: the waveform is drawn from them and the audio element plays
   * them, so one playback is one request and one audit record.
   */
  async mediaBlob(recordingId: string, mediaId: string, signal?: AbortSignal): Promise<Blob> {
    const url = await this.mediaUrl(recordingId, mediaId);
    const response = await fetch(url, signal ? { signal } : {});
    if (!response.ok) throw await backendErrorOf(response);
    return response.blob();
  }

  auditLog(query: Partial<AuditQuery>) {
    return this.request('GET', `/api/v2/admin/audit${queryString(query)}`, auditListSchema);
  }

  verifyAudit() {
    return this.request('GET', '/api/v2/admin/audit/verify', auditVerificationSchema);
  }

  users() {
    return this.request('GET', '/api/v2/admin/users', userListSchema).then((r) => r.users);
  }

  createUser(body: CreateUserRequest) {
    return this.request('POST', '/api/v2/admin/users', userSchema, body);
  }

  updateUser(username: string, body: UpdateUserRequest) {
    return this.request('PATCH', `/api/v2/admin/users/${encodeURIComponent(username)}`, userSchema, body);
  }

  groups() {
    return this.request('GET', '/api/v2/admin/groups', groupListSchema).then((r) => r.groups);
  }

  dns() {
    return this.request('GET', '/api/v2/sim/dns', z.object({ dns: z.array(dnConfigSchema) })).then((r) => r.dns);
  }

  configureDn(dn: string, body: DnConfigRequest) {
    return this.request('PUT', `/api/v2/sim/dns/${encodeURIComponent(dn)}`, dnConfigSchema, body);
  }

  /** Where a media file is, without any credential: what a link shows. */
  mediaLocation(recordingId: string, mediaId: string): string {
    return `${this.baseUrl}${this.mediaPath(recordingId, mediaId)}`;
  }

  private mediaPath(recordingId: string, mediaId: string): string {
    return `/api/v2/recordings/${encodeURIComponent(recordingId)}/media/${encodeURIComponent(mediaId)}`;
  }
}
