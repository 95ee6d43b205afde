import {
  apiPath,
  apiRoutes,
  type AuditQuery,
  type CreateUserRequest,
  type DnConfigRequest,
  type JobQueueName,
  type MediaTicketPurpose,
  type RecordingQuery,
  type UpdateUserRequest,
} from '@vox/shared';
import { ApiSession, backendErrorOf } from '../backend/rest-request.ts';

/** Query parameters as the REST API reads them: absent when empty. */
function withoutEmpty<T extends Record<string, unknown>>(query: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(query).filter(([, value]) => value !== undefined && value !== ''),
  ) as Partial<T>;
}

/**
 * The REST API as the supervisor view uses it (search, playback, ladder, labels, legal hold,
 * administration), each answer checked against its shared schema before a view sees it.
 */
export class SupervisorClient extends ApiSession {
  search(query: Record<string, string>) {
    return this.api.call('listRecordings', { query: withoutEmpty(query) as Partial<RecordingQuery> });
  }

  recording(id: string) {
    return this.api.call('getRecording', { params: { id } });
  }

  ladder(id: string) {
    return this.api.call('getCallLadder', { params: { id } });
  }

  setLabels(id: string, labels: string[]) {
    return this.api.call('setLabels', { params: { id }, body: { labels } });
  }

  setLegalHold(id: string, hold: boolean, reason: string) {
    return this.api.call('setLegalHold', { params: { id }, body: { hold, reason } });
  }

  /**
   * A URL that opens one media file for a `<video>`, an `<img>` or a download link: media elements
   * cannot send an Authorization header, and a token in a URL would end up in logs. The ticket in it
   * must be used within a minute, and is one opening (one audit record) of the file.
   */
  async mediaUrl(recordingId: string, mediaId: string, purpose: MediaTicketPurpose = 'play'): Promise<string> {
    const { path } = await this.api.call('mediaTicket', { params: { id: recordingId, mediaId }, body: { purpose } });
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
    return this.api.call('listAudit', { query: withoutEmpty(query) });
  }

  verifyAudit() {
    return this.api.call('verifyAudit');
  }

  users() {
    return this.api.call('listUsers').then((r) => r.users);
  }

  createUser(body: CreateUserRequest) {
    return this.api.call('createUser', { body });
  }

  updateUser(username: string, body: UpdateUserRequest) {
    return this.api.call('updateUser', { params: { username }, body });
  }

  groups() {
    return this.api.call('listGroups').then((r) => r.groups);
  }

  dns() {
    return this.api.call('listDns').then((r) => r.dns);
  }

  configureDn(dn: string, body: DnConfigRequest) {
    return this.api.call('configureDn', { params: { dn }, body });
  }

  jobs() {
    return this.api.call('jobOverview');
  }

  retryJob(queue: JobQueueName, id: string) {
    return this.api.call('retryJob', { params: { queue, id } });
  }

  /** Where a media file is, without any credential: what a link shows. */
  mediaLocation(recordingId: string, mediaId: string): string {
    return `${this.baseUrl}${apiPath(apiRoutes.getMedia, { id: recordingId, mediaId })}`;
  }
}
