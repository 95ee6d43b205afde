import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const envSchema = z.object({
  VOX_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  VOX_HOST: z.string().default('127.0.0.1'),
  VOX_DATA_DIR: z.string().default('.vox-data'),
  VOX_DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'VOX_DATABASE_URL must be a postgres:// URL')
    .optional(),
  VOX_DEMO: z.enum(['0', '1']).default('0'),
  VOX_RENDERER_DIR: z.string().optional(),
  VOX_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  VOX_TOKEN_TTL_HOURS: z.coerce.number().positive().default(12),
  VOX_DESKTOP_ORIGIN: z.string().default('vox-app://desktop'),
  VOX_STORAGE_URL: z
    .string()
    .regex(
      /^((webdav\+)?https?:\/\/|file:\/\/\/)/,
      'VOX_STORAGE_URL must be webdav+http(s)://, http(s):// or file:///absolute/path',
    )
    .optional(),
  VOX_SCREEN_UPLOAD_DIR: z.string().optional(),
  VOX_RECORDING_FORMAT: z.enum(['mp3-8k-mono', 'mp3-16k-stereo', 'mp3-32k-stereo']).default('mp3-16k-stereo'),
  VOX_ANALYTICS: z.enum(['0', '1']).default('0'),
  VOX_PURGE_AT: z
    .string()
    .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$|^off$/, 'VOX_PURGE_AT is HH:MM (UTC) or off')
    .default('03:00'),
  VOX_ENCRYPTION: z.enum(['0', '1']).default('1'),
  VOX_KEYSTORE_FILE: z.string().optional(),
  VOX_KEYSTORE_PASSPHRASE: z.string().min(8, 'VOX_KEYSTORE_PASSPHRASE needs at least 8 characters').optional(),
  VOX_AUDIT_KEY_FILE: z.string().optional(),
  VOX_AUDIT_HEAD_FILE: z.string().optional(),
  VOX_MCP_COUNT: z.coerce.number().int().min(1).max(16).default(2),
  VOX_SIP_HOST: z.string().optional(),
  VOX_SIP_PORT: z
    .string()
    .regex(/^(\d{1,5}|off)$/, 'VOX_SIP_PORT is a port number (0: any free port) or off')
    .refine((v) => v === 'off' || Number(v) <= 65535, 'VOX_SIP_PORT is at most 65535')
    .default('5060'),
  VOX_RTP_PORTS: z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, 'VOX_RTP_PORTS is a range such as 40000-40999')
    .refine((v) => {
      const [first, last] = v.split('-').map(Number) as [number, number];
      return first >= 1024 && last <= 65535 && last - first >= 3;
    }, 'VOX_RTP_PORTS lies within 1024-65535 and holds at least two even ports')
    .default('40000-40999'),
  VOX_RTP_TIMEOUT_S: z.coerce.number().positive().max(86_400).default(60),
  VOX_SCENARIO_WAIT_S: z.coerce.number().positive().max(600).default(60),
  VOX_UPLOAD_EXPIRY_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 30)
    .default(24),
  VOX_MIN_FREE_DISK_MB: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 ** 3, 'VOX_MIN_FREE_DISK_MB is at most 1073741824 (a petabyte)')
    .default(512),
  VOX_DISK_RESERVE_MB: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 ** 3, 'VOX_DISK_RESERVE_MB is at most 1073741824 (a petabyte)')
    .default(100),
  VOX_METRICS_TOKEN: z.string().min(16, 'VOX_METRICS_TOKEN needs at least 16 characters').optional(),
  VOX_TRUST_PROXY: z
    .string()
    .regex(/^[0-9a-fA-F.:/, ]+$/, "VOX_TRUST_PROXY lists the proxies' addresses or CIDRs, comma-separated")
    .optional(),
});

export interface VoxConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  demoTenant: boolean;
  rendererDir: string;
  logLevel: z.infer<typeof envSchema>['VOX_LOG_LEVEL'];
  /** where log lines go: standard output when absent (tests read them) */
  logStream?: { write(line: string): void };
  tokenTtlMs: number;
  desktopOrigin: string;
  /** WebDAV storage for media; undefined: a local directory (`localStorageDir`) */
  storageUrl: string | undefined;
  /** where media goes without WebDAV: `file:///path` (a shared mount), or under `dataDir` */
  localStorageDir: string;
  /** where screen uploads arrive; backends behind one load balancer share it */
  screenUploadDir: string;
  /** the IVR profile's MP3 format */
  recordingFormat: z.infer<typeof envSchema>['VOX_RECORDING_FORMAT'];
  /** recording-and-analytics mode: WAV G.711 besides each MP3 */
  analytics: boolean;
  mcpCount: number;
  /** encryption at rest: undefined when off (VOX_ENCRYPTION=0) */
  keystore: { file: string; passphrase: string | undefined } | undefined;
  /** the audit chain's HMAC key and head: files outside the database, which cannot forge them */
  audit: { keyFile: string; headFile: string };
  /** when the daily retention purge runs (HH:MM UTC), or undefined for never */
  purgeAtUtc: string | undefined;
  /** the TLS-terminating proxies whose X-Forwarded-For names the client (addresses or CIDRs) */
  trustProxy: string[] | undefined;
  /** an unfinished screen upload is deleted this long after it was opened */
  incompleteUploadTtlMs: number;
  /** how long `POST /sim/scenarios?wait=1` holds the request for the run's result */
  scenarioWaitMs: number;
  /** below this much free space on the data directory's disk, `GET /readyz` answers not ready */
  minFreeDiskBytes: number;
  /** below this much free space recordings stop (sealed, marked disk_full) until space is back; 0: never */
  diskReserveBytes: number;
  /** the bearer token `GET /metrics` asks for; undefined: metrics are served to this computer only */
  metricsToken: string | undefined;
  /** the SIPREC recording server, or undefined when VOX_SIP_PORT=off */
  siprec: { host: string; port: number; rtpPorts: { first: number; last: number }; rtpTimeoutMs: number } | undefined;
}

export class ConfigError extends Error {}

/** Reads the `VOX_` variables; a bad value stops the start with a sentence naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): VoxConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const repoRoot = path.resolve(import.meta.dirname, '../../../..');
  const demo = e.VOX_DEMO === '1';
  if (e.VOX_ENCRYPTION === '1' && !demo && !e.VOX_KEYSTORE_PASSPHRASE) {
    throw new ConfigError(
      'encryption at rest is on (VOX_ENCRYPTION=1): set VOX_KEYSTORE_PASSPHRASE (8 characters or more) so the ' +
        "tenant's private keys are stored encrypted, or VOX_ENCRYPTION=0 to store media unencrypted",
    );
  }
  const keysDir = keysDirectory(e.VOX_DATA_DIR, demo, env);
  return {
    port: e.VOX_PORT,
    host: e.VOX_HOST,
    dataDir: path.resolve(e.VOX_DATA_DIR),
    databaseUrl: e.VOX_DATABASE_URL,
    demoTenant: e.VOX_DEMO === '1',
    rendererDir: path.resolve(e.VOX_RENDERER_DIR ?? path.join(repoRoot, 'apps/desktop/dist/renderer')),
    logLevel: e.VOX_LOG_LEVEL,
    tokenTtlMs: e.VOX_TOKEN_TTL_HOURS * 3_600_000,
    desktopOrigin: e.VOX_DESKTOP_ORIGIN,
    storageUrl: e.VOX_STORAGE_URL?.startsWith('file:') ? undefined : e.VOX_STORAGE_URL,
    localStorageDir: e.VOX_STORAGE_URL?.startsWith('file:')
      ? fileURLToPath(e.VOX_STORAGE_URL)
      : path.join(path.resolve(e.VOX_DATA_DIR), 'media'),
    screenUploadDir: path.resolve(e.VOX_SCREEN_UPLOAD_DIR ?? path.join(e.VOX_DATA_DIR, 'screen-uploads')),
    recordingFormat: e.VOX_RECORDING_FORMAT,
    analytics: e.VOX_ANALYTICS === '1',
    mcpCount: e.VOX_MCP_COUNT,
    keystore:
      e.VOX_ENCRYPTION === '1'
        ? {
            file: path.resolve(e.VOX_KEYSTORE_FILE ?? path.join(keysDir, 'tenant-keys.json')),
            passphrase: e.VOX_KEYSTORE_PASSPHRASE,
          }
        : undefined,
    audit: {
      keyFile: path.resolve(e.VOX_AUDIT_KEY_FILE ?? path.join(keysDir, 'audit-key')),
      headFile: path.resolve(e.VOX_AUDIT_HEAD_FILE ?? path.join(e.VOX_DATA_DIR, 'audit-head.json')),
    },
    purgeAtUtc: e.VOX_PURGE_AT === 'off' ? undefined : e.VOX_PURGE_AT,
    scenarioWaitMs: e.VOX_SCENARIO_WAIT_S * 1000,
    incompleteUploadTtlMs: e.VOX_UPLOAD_EXPIRY_HOURS * 3_600_000,
    minFreeDiskBytes: e.VOX_MIN_FREE_DISK_MB * 1024 * 1024,
    diskReserveBytes: e.VOX_DISK_RESERVE_MB * 1024 * 1024,
    metricsToken: e.VOX_METRICS_TOKEN,
    trustProxy: e.VOX_TRUST_PROXY?.split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
    siprec:
      e.VOX_SIP_PORT === 'off'
        ? undefined
        : {
            host: e.VOX_SIP_HOST ?? e.VOX_HOST,
            port: Number(e.VOX_SIP_PORT),
            rtpPorts: {
              first: Number(e.VOX_RTP_PORTS.split('-')[0]),
              last: Number(e.VOX_RTP_PORTS.split('-')[1]),
            },
            rtpTimeoutMs: e.VOX_RTP_TIMEOUT_S * 1000,
          },
  };
}

/**
 * Where the tenant keystore and the audit key live unless their variables say otherwise: outside
 * the data directory, so a backup of the recordings is not a backup of the keys that open them
 * (`$XDG_CONFIG_HOME/vox-recorder/keys-<hash of the data directory>`, ~/.config by default). The
 * demo keeps them in its data directory, and so does a keystore found there from before.
 */
function keysDirectory(dataDir: string, demo: boolean, env: NodeJS.ProcessEnv): string {
  const inDataDir = path.resolve(dataDir, 'keystore');
  if (demo || existsSync(path.join(inDataDir, 'tenant-keys.json'))) return inDataDir;
  const configHome = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join(configHome, 'vox-recorder', `keys-${hash}`);
}
