/**
 * Malformed HTTP requests generated from the API's OpenAPI document, for the battery that holds
 * every route to its error contract. Each request is a plausible one (real ids where the caller
 * knows some, schema examples elsewhere) with one flaw: a wrong type, a missing or extra field, a
 * huge, empty or hostile string, a malformed id, cursor, range or header, a body that is not JSON,
 * or a request line or header line no HTTP client library would send. The same seed gives the same
 * requests, so a failure can be replayed.
 */

import { seededRandom } from '../platform/media/seeded-random.ts';

/** The parts of an OpenAPI 3.1 document the generator reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

export interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}

/** The JSON Schema keywords zod's `toJSONSchema` writes for the shared schemas. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

/** One request as it goes on the wire: the request line, header lines and body, byte for byte. */
export interface MalformedRequest {
  /** the operation as the document names it: `POST /api/v2/sim/calls` */
  operation: string;
  /** what is wrong with it, for a failure message */
  flaw: string;
  method: string;
  /** the request-target as sent: percent-encoded, or deliberately not */
  target: string;
  version: string;
  /** header lines as sent, `Host` first; a line may be malformed on purpose */
  headerLines: string[];
  body?: Buffer;
}

export interface GeneratorOptions {
  seed: number;
  /** requests per operation with a flaw drawn at random */
  perOperation: number;
  /** requests aimed at each query parameter and each body field */
  perParameter: number;
  /** the caller's token, or none for an anonymous caller */
  bearer: string | undefined;
  /** real values by parameter or field name (`connId`, `id`, `dn`...), so handlers run past validation */
  known: Record<string, string[]>;
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** Strings a caller should not be able to hurt the server with, wherever a string goes. */
const hostileStrings: readonly string[] = [
  '',
  ' ',
  'a'.repeat(300),
  'x'.repeat(9000),
  '\u0000',
  'agent1\u0000',
  '\u0001',
  '\u001b[31mred\u001b[0m',
  '\u007f',
  '\r\nSet-Cookie: x=1',
  '\t',
  '\ud800',
  '\udfff\ud800',
  '\u202e1007',
  '\ufeff7001',
  '\u200b',
  '\uffff',
  '７００１',
  '🎙️📼',
  'Ω'.repeat(700),
  "' OR 1=1 --",
  '%',
  '%00',
  '../../../etc/passwd',
  '$(reboot)',
  '<script>alert(1)</script>',
  '__proto__',
  'null',
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '9'.repeat(40),
  '0x10',
  '7001 ',
];

/** Percent-escapes that decode to no valid UTF-8, or to something a path must not carry. */
const hostileEscapes: readonly string[] = [
  '%ED%A0%80',
  '%C0%AF',
  '%E0%A4%A',
  '%zz',
  '%',
  '%FF%FE',
  '%2e%2e%2f%2e%2e',
  '%00',
  '%1b%5b2J',
  '%0d%0aX-Injected:%201',
];

/** JSON texts of the wrong type or size for any field, some that `JSON.stringify` never writes. */
const hostileJsonValues: readonly string[] = [
  'null',
  'true',
  '0',
  '-1',
  '1.5',
  '-0',
  '1e308',
  '1e400',
  '-1e400',
  '9007199254740993',
  '123456789012345678901234567890',
  '[]',
  '{}',
  '[null]',
  '{"":""}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '"\\u0000"',
  '"\\ud800"',
];

/** Queries and headers are text: the hostile strings, percent-encoded (those that can be). */
function encoded(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    // A lone surrogate has no UTF-8 form: send the bytes a careless encoder would.
    return '%ED%A0%80';
  }
}

const candidateExamples = [
  '7001',
  '0123456789abcdef',
  'battery',
  'sales',
  'legal/2026',
  '2026-01-01T00:00:00Z',
  'battery-password',
  'a',
];

/** A value the schema accepts, or at least a plausible one; `name` finds a known real value first. */
export function exampleOf(schema: JsonSchema | undefined, name: string, known: Record<string, string[]>): unknown {
  const real = known[name];
  if (real?.length) return real[0];
  if (!schema) return 'a';
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  if (branch) return exampleOf(branch, name, known);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const value: Record<string, unknown> = {};
      for (const field of schema.required ?? []) {
        value[field] = exampleOf(schema.properties?.[field], field, known);
      }
      return value;
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleOf(schema.items, name, known));
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      // `false` changes least: no recording switched on, no right granted.
      return false;
    default: {
      const fits = (text: string) =>
        (!schema.pattern || new RegExp(schema.pattern).test(text)) &&
        text.length >= (schema.minLength ?? 0) &&
        text.length <= (schema.maxLength ?? Infinity);
      return candidateExamples.find(fits) ?? 'a'.repeat(Math.max(schema.minLength ?? 1, 1));
    }
  }
}

/** The request being built: a plausible one, until a flaw changes one part of it. */
interface Draft {
  method: string;
  /** path template with `{name}` placeholders, filled in at the end */
  pathTemplate: string;
  pathValues: Record<string, string>;
  query: string[];
  headerLines: string[];
  body?: Buffer;
  version: string;
}

interface Context {
  random: Random;
  operation: OpenApiOperation;
  bodySchema: JsonSchema | undefined;
  known: Record<string, string[]>;
  /** the body as plausible JSON, or undefined for a route without one */
  example: Record<string, unknown> | undefined;
}

/** A flaw changes a plausible draft and says what it did; undefined when it does not apply. */
type Flaw = (draft: Draft, context: Context) => string | undefined;

const jsonType = 'Content-Type: application/json';

function setBody(draft: Draft, text: string | Buffer, contentType: string | undefined = jsonType): void {
  draft.headerLines = draft.headerLines.filter((line) => !/^content-type:/i.test(line));
  if (contentType) draft.headerLines.push(contentType);
  draft.body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
}

function replaceHeader(draft: Draft, name: string, line: string | undefined): void {
  draft.headerLines = draft.headerLines.filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (line !== undefined) draft.headerLines.push(line);
}

/** The JSON text of the example body with one field's value replaced by a JSON text. */
function withField(example: Record<string, unknown>, path: string[], valueText: string | undefined): string {
  const marker = '\u0091battery-marker\u0091';
  const copy = structuredClone(example);
  let parent: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = parent[key];
    if (!next || typeof next !== 'object') parent[key] = {};
    parent = parent[key] as Record<string, unknown>;
  }
  const last = path.at(-1)!;
  if (valueText === undefined) delete parent[last];
  else parent[last] = marker;
  return JSON.stringify(copy).replace(JSON.stringify(marker), () => valueText ?? '');
}

/** The fields of a body schema, nested objects' fields included (`extensions.id`). */
function fieldsOf(
  schema: JsonSchema | undefined,
  prefix: string[] = [],
): Array<{ path: string[]; schema: JsonSchema }> {
  const found: Array<{ path: string[]; schema: JsonSchema }> = [];
  for (const [name, field] of Object.entries(schema?.properties ?? {})) {
    found.push({ path: [...prefix, name], schema: field });
    if (field.properties && prefix.length < 2) found.push(...fieldsOf(field, [...prefix, name]));
  }
  return found;
}

const typeOf = (schema: JsonSchema | undefined): string | undefined =>
  Array.isArray(schema?.type) ? schema.type[0] : (schema?.type ?? schema?.anyOf?.[0]?.type?.toString());

/** Query values aimed at what the parameter's schema lets through to the handler. */
function hostileQueryValues(schema: JsonSchema | undefined): readonly string[] {
  const type = typeOf(schema);
  if (type === 'number' || type === 'integer') {
    return ['1e20', '99999999999', '2147483648', '1e300', '-5', '2.5', '-0', '0x10', 'NaN', 'Infinity', ''];
  }
  if (schema?.format === 'date-time') {
    return [
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00+14:00',
      '9999-12-31T23:59:59+14:00',
      '2026-02-30T25:61:61Z',
      '1970-01-01T00:00:00-12:00',
      '2026-01-01',
      'now',
    ];
  }
  return hostileStrings;
}

/** JSON values aimed at what a body field's schema lets through to the handler. */
function hostileFieldValues(schema: JsonSchema): readonly string[] {
  const type = typeOf(schema);
  if (type === 'number' || type === 'integer') {
    return ['1e308', '-1e400', '9007199254740993', '2147483648', '1e20', '-1', '0', '1.5', '-0', '"1"', 'null'];
  }
  if (type === 'string') return hostileStrings.map((text) => JSON.stringify(text));
  return hostileJsonValues;
}

const cursorNames = new Set(['cursor', 'before']);

/** Cursors a server never gave out: not base64, not JSON, the wrong shape, types or range. */
function forgedCursors(sort: string): string[] {
  const base64 = (text: string) => Buffer.from(text).toString('base64url');
  return [
    'garbage',
    base64('{}'),
    base64('["not a time","r1"]'),
    base64('["0000-01-01T00:00:00Z","r1"]'),
    base64('["2026-01-01T00:00:00Z","\\u0000"]'),
    base64(`["${sort}",1e300,"r1"]`),
    base64(`["${sort}",1.5,"r1"]`),
    base64(`["${sort}",99999999999,"r1"]`),
    base64(`["${sort}","2026-01-01T00:00:00Z",7]`),
    '-1',
    '99999999999999999999',
  ];
}

const pathFlaws: Flaw[] = [
  (draft, { random }) => {
    const name = pick(random, Object.keys(draft.pathValues));
    if (!name) return undefined;
    const value = pick(random, hostileStrings);
    draft.pathValues[name] = encoded(value);
    return `path ${name} is ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value)}`;
  },
  (draft, { random }) => {
    const name = pick(random, Object.keys(draft.pathValues));
    if (!name) return undefined;
    const escape = pick(random, hostileEscapes);
    draft.pathValues[name] = `7001${escape}`;
    return `path ${name} holds the escape ${escape}`;
  },
  (draft, { random, known }) => {
    const name = pick(random, Object.keys(draft.pathValues));
    if (!name) return undefined;
    // A real id of another kind: a ConnectionID where a recording id goes, and so on.
    const value = pick(random, Object.values(known).flat());
    draft.pathValues[name] = encoded(value);
    return `path ${name} is another kind of id (${value})`;
  },
  (draft, { random }) => {
    const name = pick(random, Object.keys(draft.pathValues));
    if (!name) return undefined;
    const length = pick(random, [101, 129, 257, 1025, 5000]);
    draft.pathValues[name] = 'a'.repeat(length);
    return `path ${name} is ${length} characters`;
  },
  (draft, { random }) => {
    const name = pick(random, Object.keys(draft.pathValues));
    if (!name) return undefined;
    // Bytes no client library sends unencoded: the server's HTTP parser meets them first.
    const raw = pick(random, ['a b', 'a"b', 'a<b>', 'é', '\u0000', '\t', 'a#b', 'a?b=1']);
    draft.pathValues[name] = raw;
    return `path ${name} holds the raw ${JSON.stringify(raw)}`;
  },
];

function withQueryValue(draft: Draft, name: string, value: string): string {
  draft.query = draft.query.filter((q) => !q.startsWith(`${name}=`));
  draft.query.push(`${name}=${encoded(value)}`);
  return `query ${name} is ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…(${value.length})` : value)}`;
}

const queryFlaws: Flaw[] = [
  (draft, { random, operation }) => {
    const parameter = pick(
      random,
      (operation.parameters ?? []).filter((p) => p.in === 'query'),
    );
    if (!parameter) return undefined;
    return withQueryValue(draft, parameter.name, pick(random, hostileQueryValues(parameter.schema)));
  },
  (draft, { random, operation }) => {
    const declared = (operation.parameters ?? []).filter((p) => p.in === 'query');
    const parameter = pick(random, declared);
    if (!parameter) return undefined;
    const form = pick(random, ['repeated', 'bracketed', 'bare'] as const);
    if (form === 'repeated') draft.query.push(`${parameter.name}=1`, `${parameter.name}=2`);
    if (form === 'bracketed') draft.query.push(`${parameter.name}[]=1`, `${parameter.name}[a]=2`);
    if (form === 'bare') draft.query.push(parameter.name, `${parameter.name}=`);
    return `query ${parameter.name} is ${form}`;
  },
  (draft, { random }) => {
    const extra = pick(random, ['__proto__=x', 'constructor=x', 'toString=x', 'unknown=1', `x=${'y'.repeat(8000)}`]);
    draft.query.push(extra);
    return `an extra query parameter ${extra.slice(0, 30)}`;
  },
  (draft, { random }) => {
    const escape = pick(random, hostileEscapes);
    draft.query.push(`a=${escape}`, `${escape}=1`);
    return `the query holds the escape ${escape}`;
  },
  (draft, { random, operation }) => {
    const names = (operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    const name = names.find((n) => cursorNames.has(n));
    if (!name) return undefined;
    const sort = pick(random, ['-startTime', 'startTime', 'duration', '-duration']);
    const forged = pick(random, forgedCursors(sort));
    draft.query.push(`sort=${encodeURIComponent(sort)}`, `${name}=${forged}`);
    return `a forged ${name} ${forged.slice(0, 40)} (sort ${sort})`;
  },
];

const bodyFlaws: Flaw[] = [
  (draft, { random, example }) => {
    if (!example) return undefined;
    const text = pick(random, [
      '{not json',
      '{"a":1',
      "{'a':1}",
      '{"a":1}x',
      'NaN',
      '',
      '\ufeff{}',
      '{"a":"\u0000"}',
      '{"a":1,"a":2}',
    ]);
    setBody(draft, text);
    return `the body is ${JSON.stringify(text)}`;
  },
  (draft, { random, example }) => {
    if (!example) return undefined;
    const text = pick(random, ['null', '[]', '"string"', '42', 'true', '[{}]']);
    setBody(draft, text);
    return `the body is the JSON ${text}`;
  },
  (draft, { random, example, bodySchema }) => {
    if (!example) return undefined;
    const required = bodySchema?.required ?? [];
    const name = pick(random, required);
    if (!name) {
      setBody(draft, '{}');
      return 'the body is {}';
    }
    setBody(draft, withField(example, [name], undefined));
    return `the body lacks ${name}`;
  },
  (draft, { random, example }) => {
    if (!example) return undefined;
    const extra = pick(random, ['"isAdmin":true', '"__proto__":{"role":"admin"}', '"constructor":{}', '"":1']);
    const text = JSON.stringify(example).replace(/^\{/, `{${extra}${Object.keys(example).length ? ',' : ''}`);
    setBody(draft, text);
    return `the body has the extra field ${extra}`;
  },
  (draft, context) => fieldValueFlaw(draft, context),
  (draft, context) => fieldValueFlaw(draft, context),
  (draft, { random, example, bodySchema }) => {
    if (!example) return undefined;
    const path = pick(random, fieldsOf(bodySchema))?.path ?? ['a'];
    const depth = pick(random, [1000, 20_000, 150_000]);
    setBody(draft, withField(example, path, '['.repeat(depth) + ']'.repeat(depth)));
    return `body ${path.join('.')} is an array nested ${depth} deep`;
  },
  (draft, { random, example }) => {
    if (!example) return undefined;
    const size = pick(random, [1024 * 1024 + 1, 3 * 1024 * 1024]);
    setBody(draft, JSON.stringify({ ...example, padding: 'p'.repeat(size) }));
    return `the body is over 1 MiB (${size} bytes of padding)`;
  },
  (draft, { random, example }) => {
    const type = pick(random, [
      'Content-Type: text/plain',
      'Content-Type: application/x-www-form-urlencoded',
      'Content-Type: multipart/form-data; boundary=x',
      'Content-Type: application/xml',
      'Content-Type: application/json; charset=utf-16',
      'Content-Type: application/jsonx',
      'Content-Type: application/offset+octet-stream',
      'Content-Type: ;;;',
      undefined,
    ]);
    setBody(draft, JSON.stringify(example ?? {}), type);
    return `a JSON body sent as ${type ?? 'no Content-Type'}`;
  },
  (draft, { random, example }) => {
    if (example) return undefined;
    // A route without a body gets one anyway.
    const text = pick(random, ['{"a":1}', '{not json', 'x'.repeat(2 * 1024 * 1024)]);
    setBody(draft, text);
    return `a route without a body gets ${text.length > 20 ? `${text.length} bytes` : text}`;
  },
];

function fieldValueFlaw(draft: Draft, { random, example, bodySchema }: Context): string | undefined {
  if (!example) return undefined;
  const field = pick(random, fieldsOf(bodySchema));
  if (!field) return undefined;
  return withFieldValue(draft, example, field.path, pick(random, hostileFieldValues(field.schema)));
}

function withFieldValue(draft: Draft, example: Record<string, unknown>, path: string[], valueText: string): string {
  setBody(draft, withField(example, path, valueText));
  return `body ${path.join('.')} is ${valueText.length > 40 ? `${valueText.slice(0, 40)}…(${valueText.length})` : valueText}`;
}

const headerFlaws: Flaw[] = [
  (draft, { random }) => {
    const value = pick(random, [
      undefined,
      'Authorization: Bearer',
      'Authorization: Bearer ',
      `Authorization: Bearer ${'t'.repeat(8000)}`,
      'Authorization: Basic YWRtaW46YWRtaW4tZGVtbw==',
      'Authorization: Bearer a b',
      'Authorization: Bearer \u00e9\u00ff',
      'Authorization: Bearer %00',
      'Authorization: Bearer null',
      'Authorization:',
    ]);
    replaceHeader(draft, 'Authorization', value);
    return `the Authorization header is ${value ? JSON.stringify(value.slice(0, 40)) : 'missing'}`;
  },
  (draft, { random }) => {
    const range = pick(random, [
      'bytes=abc',
      'bytes=5-1',
      'bytes=-0',
      'bytes=0-1,5-6',
      'bytes=99999999999999999999-',
      'bytes=0-99999999999999999999',
      'items=0-1',
      'bytes=',
      'bytes=--1',
      'bytes=1e3-',
    ]);
    replaceHeader(draft, 'Range', `Range: ${range}`);
    return `Range: ${range}`;
  },
  (draft, { random }) => {
    const size = pick(random, [17 * 1024, 70 * 1024]);
    draft.headerLines.push(`X-Padding: ${'h'.repeat(size)}`);
    return `a ${size}-byte header`;
  },
  (draft, { random }) => {
    const count = pick(random, [300, 3000]);
    for (let i = 0; i < count; i++) draft.headerLines.push(`X-H${i}: 1`);
    return `${count} headers`;
  },
  (draft, { random }) => {
    // Header lines no client library writes; Node's HTTP parser refuses them.
    const line = pick(random, [
      'No colon here',
      'Bad Name: x',
      ': no name',
      'X-Nul: a\u0000b',
      'X-Ctl: a\u0001b',
      ' folded: continuation',
      'X-Raw: \u00e9',
      'Content-Length: abc',
      'Content-Length: -1',
      'Transfer-Encoding: chunked',
      'Transfer-Encoding: gzip, chunked',
      'Content-Length: 5\r\nContent-Length: 6',
    ]);
    draft.headerLines.push(line);
    return `the header line ${JSON.stringify(line)}`;
  },
  (draft, { random }) => {
    const value = pick(random, [
      'Expect: 100-continue',
      'Expect: something-else',
      'Connection: Upgrade\r\nUpgrade: websocket',
      'Connection: Upgrade\r\nUpgrade: h2c',
      'Content-Encoding: gzip',
      'Content-Encoding: br',
      'Accept: text/html',
      'Accept-Encoding: gzip;q=xyz',
      'Origin: null',
      'X-Forwarded-For: \u00e9, 999.1.1.1',
    ]);
    draft.headerLines.push(value);
    return `the header ${JSON.stringify(value)}`;
  },
  (draft) => {
    draft.headerLines = draft.headerLines.filter((line) => !/^host:/i.test(line));
    return 'no Host header';
  },
];

const requestLineFlaws: Flaw[] = [
  (draft, { random }) => {
    const method = pick(random, ['HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'CONNECT', 'BREW', 'get', 'G\u00c9T', '']);
    draft.method = method;
    return `the method ${JSON.stringify(method)}`;
  },
  (draft, { random }) => {
    const version = pick(random, ['HTTP/1.0', 'HTTP/2.0', 'HTTP/9.9', 'HTTP/1.1 extra', 'HTTX/1.1', '']);
    draft.version = version;
    return `the version ${JSON.stringify(version)}`;
  },
  (draft, { random }) => {
    const prefix = pick(random, ['http://example.com', '//', '/./', '/api/v2/../v2', '*', 'noslash']);
    draft.pathTemplate = prefix === '*' ? '*' : `${prefix}${draft.pathTemplate}`;
    return `the target starts with ${JSON.stringify(prefix)}`;
  },
  (draft, { random }) => {
    const size = pick(random, [9 * 1024, 20 * 1024, 100 * 1024]);
    draft.query.push(`q=${'u'.repeat(size)}`);
    return `a ${size}-byte URL`;
  },
];

const flawFamilies: Flaw[] = [...pathFlaws, ...queryFlaws, ...bodyFlaws, ...headerFlaws, ...requestLineFlaws];

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function plausibleDraft(method: string, path: string, context: Context, bearer: string | undefined): Draft {
  const pathValues: Record<string, string> = {};
  for (const parameter of context.operation.parameters ?? []) {
    if (parameter.in !== 'path') continue;
    const real = context.known[parameter.name];
    pathValues[parameter.name] = encodeURIComponent(
      String(real?.length ? pick(context.random, real) : exampleOf(parameter.schema, parameter.name, context.known)),
    );
  }
  const query = (context.operation.parameters ?? [])
    .filter((p) => p.in === 'query' && p.required)
    .map((p) => `${p.name}=${encodeURIComponent(String(exampleOf(p.schema, p.name, context.known)))}`);
  const draft: Draft = {
    method: method.toUpperCase(),
    pathTemplate: path,
    pathValues,
    query,
    headerLines: ['Host: localhost', ...(bearer ? [`Authorization: Bearer ${bearer}`] : [])],
    version: 'HTTP/1.1',
  };
  if (context.example) setBody(draft, JSON.stringify(context.example));
  return draft;
}

function finished(draft: Draft, operation: string, flaw: string): MalformedRequest {
  const path = draft.pathTemplate.replace(/\{(\w+)\}/g, (_, name: string) => draft.pathValues[name] ?? '');
  return {
    operation,
    flaw,
    method: draft.method,
    target: draft.query.length ? `${path}?${draft.query.join('&')}` : path,
    version: draft.version,
    headerLines: draft.headerLines,
    ...(draft.body ? { body: draft.body } : {}),
  };
}

/** Flaws aimed at each declared query parameter and body field in turn, so none goes untried. */
function systematicFlaws(context: Context, perParameter: number): Flaw[] {
  const { random, operation, bodySchema } = context;
  const flaws: Flaw[] = [];
  for (const parameter of (operation.parameters ?? []).filter((p) => p.in === 'query')) {
    for (let i = 0; i < perParameter; i++) {
      flaws.push((draft) => {
        if (!cursorNames.has(parameter.name)) {
          return withQueryValue(draft, parameter.name, pick(random, hostileQueryValues(parameter.schema)));
        }
        const sort = pick(random, ['-startTime', 'startTime', 'duration', '-duration']);
        const forged = pick(random, forgedCursors(sort));
        draft.query.push(`sort=${encodeURIComponent(sort)}`, `${parameter.name}=${forged}`);
        return `a forged ${parameter.name} ${forged.slice(0, 40)} (sort ${sort})`;
      });
    }
  }
  for (const field of fieldsOf(bodySchema)) {
    for (let i = 0; i < perParameter; i++) {
      flaws.push((draft, { example }) =>
        example
          ? withFieldValue(draft, example, field.path, pick(random, hostileFieldValues(field.schema)))
          : undefined,
      );
    }
  }
  return flaws;
}

/**
 * For each operation of the document: `perParameter` requests aimed at each query parameter and
 * body field, then `perOperation` more, each with a flaw drawn without repeats (while they last)
 * from the families that apply to the operation.
 */
export function malformedRequests(document: OpenApiDocument, options: GeneratorOptions): MalformedRequest[] {
  const random = seededRandom(options.seed);
  const requests: MalformedRequest[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const bodySchema = operation.requestBody?.content['application/json']?.schema;
      const example = bodySchema ? (exampleOf(bodySchema, '', options.known) as Record<string, unknown>) : undefined;
      const context: Context = { random, operation, bodySchema, known: options.known, example };
      const name = `${method.toUpperCase()} ${path}`;
      for (const flaw of systematicFlaws(context, options.perParameter)) {
        const draft = plausibleDraft(method, path, context, options.bearer);
        const what = flaw(draft, context);
        if (what !== undefined) requests.push(finished(draft, name, what));
      }
      let families: Flaw[] = [];
      for (
        let made = 0, attempts = 0;
        made < options.perOperation && attempts < options.perOperation * 10;
        attempts++
      ) {
        if (families.length === 0) families = shuffled(random, flawFamilies);
        const draft = plausibleDraft(method, path, context, options.bearer);
        const flaw = families.pop()!(draft, context);
        if (flaw === undefined) continue;
        requests.push(finished(draft, name, flaw));
        made++;
      }
    }
  }
  return requests;
}

/**
 * The bytes of a request. A body gets its `Content-Length` unless a flaw wrote its own framing,
 * and every request asks the server to close the connection after its answer.
 */
export function wireFormOf(request: MalformedRequest): Buffer {
  const framed = request.headerLines.some((line) => /^(content-length|transfer-encoding):/im.test(line));
  const lines = [
    `${request.method} ${request.target} ${request.version}`.replace(/ +$/, ''),
    ...request.headerLines,
    ...(request.body && !framed ? [`Content-Length: ${request.body.length}`] : []),
    'Connection: close',
  ];
  // Header text goes out as latin1: one byte per character, the way a raw client would send it.
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), request.body ?? Buffer.alloc(0)]);
}
