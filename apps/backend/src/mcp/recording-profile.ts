/** The IVR profile's recording formats (GIR: MP3 8 kbit/s mono, 16 or 32 kbit/s stereo). */
export const recordingProfiles = {
  'mp3-8k-mono': { sampleRate: 8000, channels: 1, bitrateKbps: 8 },
  'mp3-16k-stereo': { sampleRate: 16000, channels: 2, bitrateKbps: 16 },
  'mp3-32k-stereo': { sampleRate: 22050, channels: 2, bitrateKbps: 32 },
} as const;

export type RecordingProfileName = keyof typeof recordingProfiles;
export type RecordingProfile = (typeof recordingProfiles)[RecordingProfileName];

export const defaultRecordingProfile: RecordingProfileName = 'mp3-16k-stereo';
