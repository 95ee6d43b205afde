import type { FastifyInstance } from 'fastify';
import { HttpError } from './api-errors.ts';

/** C0 controls and DEL, but tab, line feed and carriage return, which free text may hold. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

/** The path of a JSON value holding a control character, or undefined. */
function controlCharacterIn(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return hasControlCharacter(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = controlCharacterIn(item, `${path}[${index}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = controlCharacterIn(key, `${path} key`) ?? controlCharacterIn(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * No string a caller sends (path, query, JSON body) may carry a NUL or another control character:
 * PostgreSQL refuses NUL in text (a 500 where a 400 is due), and a name with escape sequences
 * would reach the terminals that print the audit log. Refused with 400 before any route runs.
 */
export function refuseControlCharacters(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    let url: string;
    try {
      url = decodeURIComponent(request.url);
    } catch {
      throw new HttpError(400, 'bad_request', 'the URL has a malformed percent-escape');
    }
    if (hasControlCharacter(url)) throw new HttpError(400, 'bad_request', 'the URL holds a control character');
    const where = controlCharacterIn(request.body, 'body');
    if (where) throw new HttpError(400, 'bad_request', `${where} holds a control character`);
  });
}
