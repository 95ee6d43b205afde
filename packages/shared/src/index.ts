export * from './errors.ts';
export * from './auth.ts';
export * from './sim.ts';
export * from './recording.ts';
export * from './events.ts';
export * from './screen-upload.ts';
export type * from './desktop-api.ts';
export * from './desktop-ipc-channels.ts';
export * from './desktop-ipc.ts';
