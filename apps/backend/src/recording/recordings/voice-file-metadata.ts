import type { RecordingOrigin } from '@vox/shared';
import type { PendingMetadata } from '../storage/storage-outbox.ts';
import type { CapturedMedia } from '../../platform/media/capture-engine.ts';
import { mediaFileName, storagePathFor } from './media-file-name.ts';

/** What a voice file's metadata says about the call it belongs to. */
export interface RecordedCallParameters {
  recordingId: string;
  connId: string;
  callUuid: string;
  recordDn: string;
  ani: string;
  dnis: string;
  agentId?: string | undefined;
}

/**
 * Where a captured voice file is stored and the metadata the Recording Processor gets once it is:
 * GIR's media file name and parameters, the same for an MCP's recording and a SIPREC one.
 */
export function voiceFileDelivery(
  call: RecordedCallParameters,
  captured: CapturedMedia,
  output: CapturedMedia['outputs'][number],
  options: { mediaSequence: number; ivrProfile: string; destFolder?: string; origin?: RecordingOrigin },
): { storagePath: string; metadata: PendingMetadata } {
  const wav = output.format === 'wav-g711-ulaw';
  const mediaId = mediaFileName(call.callUuid, captured.startTime, options.mediaSequence, wav ? 'wav' : 'mp3');
  return {
    storagePath: options.destFolder ? `${options.destFolder}/${mediaId}` : storagePathFor(mediaId, captured.startTime),
    metadata: {
      recordingId: call.recordingId,
      connId: call.connId,
      callUuid: call.callUuid,
      recordDN: call.recordDn,
      ...(options.origin ? { origin: options.origin } : {}),
      mediaFile: {
        mediaId,
        type: wav ? 'audio/wav' : 'audio/mp3',
        callUUID: call.callUuid,
        startTime: captured.startTime.toISOString(),
        stopTime: captured.stopTime.toISOString(),
        duration: captured.durationMs,
        size: output.size,
        ivrprofile: options.ivrProfile,
        parameters: {
          connId: call.connId,
          ani: call.ani,
          dnis: call.dnis,
          recordDN: call.recordDn,
          dateTime: captured.startTime.toISOString(),
          ...(call.agentId ? { agentId: call.agentId } : {}),
        },
        pauses: captured.pauses,
      },
    },
  };
}
