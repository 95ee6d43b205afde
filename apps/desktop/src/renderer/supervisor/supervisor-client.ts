import { z } from 'zod';
import {
  auditListSchema,
  auditVerificationSchema,
  callLadderSchema,
  dnConfigSchema,
  groupListSchema,
  recordingListSchema,
  recordingSchema,
  userListSchema,
  userSchema,
  type AuditQuery,
  type CreateUserRequest,
  type DnConfigRequest,
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
   * The media's bytes, fetched once with the bearer header: the waveform is drawn from them and
   * the audio element plays them, so one playback is one request and one audit record.
   */
  async mediaBlob(recordingId: string, mediaId: string, signal?: AbortSignal): Promise<Blob> {
    const response = await fetch(this.mediaPath(recordingId, mediaId), {
      headers: this.token ? { Authorization: `Bearer ${this.token}` } : {},
      ...(signal ? { signal } : {}),
    });
    if (!response.ok) throw await backendErrorOf(response);
    return response.blob();
  }

  /** A URL a `<video>` or `<img>` can load: media elements cannot send an Authorization header. */
  mediaUrl(recordingId: string, mediaId: string, download = false): string {
    const query = queryString({ access_token: this.token, ...(download ? { download: '1' } : {}) });
    return `${this.mediaPath(recordingId, mediaId)}${query}`;
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

  private mediaPath(recordingId: string, mediaId: string): string {
    return `${this.baseUrl}/api/v2/recordings/${encodeURIComponent(recordingId)}/media/${encodeURIComponent(mediaId)}`;
  }
}
