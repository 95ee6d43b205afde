import { mcpMetadataSchema, type McpMetadata } from '@vox/shared';
import type { CallDetailsStore } from '../call-details/call-details.ts';
import type { EventBus } from '../../platform/events/event-bus.ts';
import type { MetadataSink } from '../storage/storage-outbox.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';

/**
 * The Recording Processor: takes the MCP's metadata of a stored file, merges the call details
 * the SIP Server side recorded (ANI, DNIS, agent, attached data, event history), writes the
 * recording resource, and tells the desktop and supervisors it is stored.
 */
export class RecordingProcessor implements MetadataSink {
  constructor(
    private readonly callDetails: CallDetailsStore,
    private readonly recordings: RecordingStore,
    private readonly bus: EventBus,
  ) {}

  async ingest(input: McpMetadata): Promise<void> {
    const metadata = mcpMetadataSchema.parse(input);
    const media = metadata.mediaFile;
    // Another backend may have handled the call: its details come from the database then.
    const details = await this.callDetails.lookup(metadata.connId);
    await this.recordings.upsertRecording({
      id: metadata.recordingId,
      origin: metadata.origin ?? 'simulation',
      connId: metadata.connId,
      callUuid: metadata.callUuid,
      callerPhoneNumber: details?.ani ?? media.parameters.ani,
      dialedPhoneNumber: details?.dnis ?? media.parameters.dnis,
      agentId: details?.agentId ?? media.parameters.agentId,
      recordDN: metadata.recordDN,
      group: details?.group,
      groups: details?.groups ?? [],
      agents: details?.agentIds ?? (media.parameters.agentId ? [media.parameters.agentId] : []),
      parties: details?.parties ?? [],
      startTime: media.startTime,
      stopTime: media.stopTime,
      eventHistory: details?.eventHistory ?? [],
      attachedData: details?.attachedData ?? {},
    });
    const added = await this.recordings.addMediaFile(metadata.recordingId, media, {
      storagePath: metadata.storagePath,
      sha256: metadata.sha256,
    });
    if (!added) return;
    this.bus.emit('mediaStored', metadata.recordingId, media.mediaId, media.type, metadata.storagePath);
    this.bus.emit(
      'recordingEvent',
      'RecordingStored',
      {
        connId: metadata.connId,
        callUuid: metadata.callUuid,
        recordingId: metadata.recordingId,
        dn: metadata.recordDN,
        at: new Date().toISOString(),
      },
      details?.group,
    );
  }
}
