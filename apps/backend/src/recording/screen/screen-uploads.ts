import fs from 'node:fs/promises';
import path from 'node:path';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import type pg from 'pg';
import { errorMessage, screenUploadMetadataSchema, screenUploadPath, type User } from '@vox/shared';
import type { AuditLog } from '../audit/audit-log.ts';
import type { MediaVault } from '../crypto/media-vault.ts';
import type { ScreenMuxer } from './screen-muxer.ts';
import type { ScreenUploadPolicy } from './screen-upload-policy.ts';
import { UploadQuota } from './upload-quota.ts';
import { isWebmHeader, notWebmMessage, webmHeaderBytes } from './webm-signature.ts';

// A screen recording of an 8-hour shift at ~1 Mbit/s is ~3.6 GB; refuse anything beyond that.
const maxUploadBytes = 4 * 1024 ** 3;

type Authenticate = (authorization: string | null) => Promise<User | undefined>;

function refuse(status: number, code: string, message: string): { status_code: number; body: string } {
  return { status_code: status, body: JSON.stringify({ error: { code, message } }) };
}

export interface ScreenUploadEndpoint {
  tus: TusServer;
  /** Stops the expiry of unfinished uploads. */
  close(): void;
}

/**
 * The resumable (tus 1.0) screen-recording upload endpoint. Each upload belongs to the user who
 * created it; when one finishes it is queued for the muxer. Unfinished uploads count against their
 * user's quota and are deleted once `incompleteUploadTtlMs` has passed since they were opened.
 */
export function createScreenUploadServer(options: {
  /** where uploads arrive (tus files and their metadata); shared by backends behind one balancer */
  uploadDir: string;
  pool: pg.Pool;
  muxer: ScreenMuxer;
  vault: MediaVault;
  audit: AuditLog;
  policy: ScreenUploadPolicy;
  authenticate: Authenticate;
  incompleteUploadTtlMs: number;
  quota?: UploadQuota;
}): ScreenUploadEndpoint {
  const directory = options.uploadDir;
  const datastore = new FileStore({ directory, expirationPeriodInMilliseconds: options.incompleteUploadTtlMs });
  const quota = options.quota ?? new UploadQuota();
  const owner = async (authorization: string | null) => {
    const user = await options.authenticate(authorization);
    if (!user) throw refuse(401, 'unauthorized', 'a valid bearer token is required to upload');
    return user;
  };
  const tus = new TusServer({
    path: screenUploadPath,
    datastore,
    maxSize: maxUploadBytes,
    respectForwardedHeaders: false,
    async onIncomingRequest(req, uploadId) {
      const user = await owner(req.headers.get('authorization'));
      // Uploads are evidence on their way in: they are never served back from here (the muxed
      // recording is, through the media route and its audit).
      if (req.method === 'GET') throw refuse(405, 'method_not_allowed', 'uploads are not served: play the recording');
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      const upload = await datastore.getUpload(uploadId).catch(() => undefined);
      if (upload && upload.metadata?.uploadedBy !== user.id && user.role !== 'admin') {
        throw refuse(403, 'forbidden', 'this upload belongs to another user');
      }
      if (upload && req.method === 'DELETE' && upload.offset === upload.size && user.role !== 'admin') {
        throw refuse(403, 'forbidden', 'a finished screen recording is evidence: its uploader cannot delete it');
      }
      // A refused upload stays refused: resuming it must not look like a finished one.
      if (upload && upload.offset === upload.size) {
        const refused = await options.pool.query<{ failure: string }>(
          "SELECT failure FROM screen_uploads WHERE upload_id = $1 AND state = 'failed'",
          [uploadId],
        );
        const failure = refused.rows[0]?.failure;
        if (failure) throw refuse(410, 'unusable_upload', `screen recording refused: ${failure}`);
      }
    },
    async onUploadCreate(req, upload) {
      const user = await owner(req.headers.get('authorization'));
      const parsed = screenUploadMetadataSchema.safeParse(upload.metadata ?? {});
      if (!parsed.success) {
        throw refuse(
          400,
          'bad_request',
          `Upload-Metadata: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
        );
      }
      const refusal = await options.policy.refusal(user, parsed.data.connId, parsed.data.recordingId);
      if (refusal) throw refuse(403, 'forbidden', refusal);
      if (upload.size === undefined) throw refuse(400, 'bad_request', 'Upload-Length is required (no deferred length)');
      const overQuota = quota.refusal(user.id, upload.size);
      if (overQuota) throw refuse(429, 'upload_limit', overQuota);
      quota.opened(upload.id, user.id, upload.size);
      return { metadata: { ...upload.metadata, uploadedBy: user.id } };
    },
    async onUploadFinish(_req, upload) {
      quota.closed(upload.id);
      const metadata = screenUploadMetadataSchema.parse(upload.metadata ?? {});
      const file = path.join(directory, upload.id);
      await fs.access(file);
      // Checked again at the end: the agent's rights may have changed during a long upload.
      const refusal = await options.policy.refusalForUploader(
        upload.metadata?.uploadedBy ?? '',
        metadata.connId,
        metadata.recordingId,
      );
      // What cannot be muxed is refused now, on the last PATCH, so the desktop hears why.
      const unusable = refusal ?? (await unusableBecause(options.vault, file, metadata.interrupted !== undefined));
      await options.pool.query(
        `INSERT INTO screen_uploads (upload_id, conn_id, recording_id, uploaded_by, started_at, file_path, state,
           interrupted, failure)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (upload_id) DO NOTHING`,
        [
          upload.id,
          metadata.connId,
          metadata.recordingId ?? null,
          upload.metadata?.uploadedBy ?? null,
          metadata.startedAt,
          file,
          unusable ? 'failed' : 'waiting_for_voice',
          metadata.interrupted ?? null,
          unusable ?? null,
        ],
      );
      if (unusable) {
        await options.audit.append({
          actor: upload.metadata?.uploadedBy ?? 'unknown',
          action: 'screen-incident',
          target: metadata.recordingId ?? metadata.connId,
          source: 'screen upload',
          details: { connId: metadata.connId, uploadId: upload.id, reason: 'upload_refused', message: unusable },
        });
        if (refusal) throw refuse(403, 'forbidden', `screen recording refused: ${refusal}`);
        throw refuse(422, 'unusable_upload', `screen recording refused: ${unusable}`);
      }
      // Evidence entered the system: who brought which video to which call, before it is muxed in.
      await options.audit.append({
        actor: upload.metadata?.uploadedBy ?? 'unknown',
        action: 'screen-upload',
        target: metadata.recordingId ?? metadata.connId,
        source: 'screen upload',
        details: {
          connId: metadata.connId,
          uploadId: upload.id,
          bytes: upload.size ?? upload.offset,
          startedAt: metadata.startedAt,
          ...(metadata.interrupted !== undefined ? { interrupted: metadata.interrupted } : {}),
        },
      });
      await options.muxer.processCall(metadata.connId);
      return {};
    },
  });
  // Unfinished uploads are deleted once they expire; the quota forgets them then too.
  const expiry = setInterval(
    () =>
      void tus
        .cleanUpExpiredUploads()
        .then(() =>
          quota.prune((id) =>
            datastore.getUpload(id).then(
              () => true,
              () => false,
            ),
          ),
        )
        .catch(() => undefined),
    Math.min(3_600_000, Math.max(500, options.incompleteUploadTtlMs / 2)),
  );
  expiry.unref();
  return { tus, close: () => clearInterval(expiry) };
}

/** Why an uploaded screen recording cannot be muxed, or undefined when it can be tried. */
async function unusableBecause(vault: MediaVault, file: string, cutShort: boolean): Promise<string | undefined> {
  let head: Buffer;
  try {
    head = await vault.uploadedHead(file, webmHeaderBytes, { cutShort });
  } catch (error) {
    return errorMessage(error);
  }
  return isWebmHeader(head) ? undefined : notWebmMessage;
}
