function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** GIR's media file name: `<callUUID>_<date>_<time>-<n>.mp3`, in UTC. */
export function mediaFileName(callUuid: string, start: Date, sequence: number, extension = 'mp3'): string {
  const date = `${start.getUTCFullYear()}-${pad(start.getUTCMonth() + 1)}-${pad(start.getUTCDate())}`;
  const time = `${pad(start.getUTCHours())}-${pad(start.getUTCMinutes())}-${pad(start.getUTCSeconds())}`;
  return `${callUuid}_${date}_${time}-${sequence}.${extension}`;
}

/** Storage folders by day, so no folder holds more than a day of files. */
export function storagePathFor(mediaId: string, start: Date): string {
  return `recordings/${start.getUTCFullYear()}/${pad(start.getUTCMonth() + 1)}/${pad(start.getUTCDate())}/${mediaId}`;
}
