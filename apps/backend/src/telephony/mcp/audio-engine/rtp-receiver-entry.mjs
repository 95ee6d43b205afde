// The RTP receiver's entry, registered with tsx as the media worker's is (see media-worker-entry.mjs).
import { register } from 'tsx/esm/api';

register();
await import('./rtp-receiver-thread.ts');
