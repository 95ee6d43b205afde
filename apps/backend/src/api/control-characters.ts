import type { FastifyInstance } from 'fastify';
import { Refusal } from '../platform/refusal.ts';

/** C0 controls and DEL, but tab, line feed and carriage return, which free text may hold. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f) return true;
  }
  return false;
}

/** Half of a UTF-16 surrogate pair without the other: no character, and PostgreSQL's jsonb refuses it. */
function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** No request schema nests nearly this deep; a deeper body is refused before anything walks it. */
const maxJsonDepth = 64;

/**
 * What is wrong with a JSON value: a string (or key) holding a control character or a lone
 * surrogate, or nesting past `maxJsonDepth`. Walked with a stack of its own, not by recursion: a
 * body of a few hundred kilobytes can nest arrays 100,000 deep, which would overflow the call
 * stack (a 500).
 */
function problemIn(body: unknown): string | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: 'body', depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path, depth } = next;
    if (typeof value === 'string') {
      if (hasControlCharacter(value)) return `${path} holds a control character`;
      if (hasLoneSurrogate(value)) return `${path} holds a lone UTF-16 surrogate, which is no character`;
    } else if (value && typeof value === 'object') {
      if (depth >= maxJsonDepth) return `${path} nests deeper than ${maxJsonDepth} levels`;
      const entries = Array.isArray(value)
        ? value.map((item, index): [string, unknown] => [`${path}[${index}]`, item])
        : Object.entries(value).map(([key, item]): [string, unknown] => {
            pending.push({ value: key, path: `${path} key`, depth });
            return [`${path}.${key}`, item];
          });
      for (const [itemPath, item] of entries.reverse()) pending.push({ value: item, path: itemPath, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * No string a caller sends (path, query, JSON body) may carry a NUL or another control character:
 * PostgreSQL refuses NUL in text (a 500 where a 400 is due), and a name with escape sequences
 * would reach the terminals that print the audit log. A JSON string may not hold a lone surrogate
 * (the audit log's jsonb refuses it), nor may a JSON body nest past
 * `maxJsonDepth`. Refused with 400 before any route runs.
 */
export function refuseControlCharacters(app: FastifyInstance): void {
  app.addHook('preHandler', async (request) => {
    let url: string;
    try {
      url = decodeURIComponent(request.url);
    } catch {
      throw new Refusal('bad_request', 'the URL has a malformed percent-escape');
    }
    if (hasControlCharacter(url)) throw new Refusal('bad_request', 'the URL holds a control character');
    const problem = problemIn(request.body);
    if (problem) throw new Refusal('bad_request', problem);
  });
}
