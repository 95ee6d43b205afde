import { auditListSchema, auditVerificationSchema, storageStatusSchema } from '@vox/shared';
import { connectionUsage, parseCommandLine, runCli, sessionFor, UsageError } from './cli-session.ts';

const usage = `Usage: vox <command> [--url URL] [--user NAME] [--password PASSWORD]

  audit verify     checks the audit log's hash chain; exits 1 when a record was edited or deleted
  audit list       the newest audit records (--limit N, default 20)
  storage status   media files waiting for storage, and the last storage error

${connectionUsage}`;

async function main(argv: string[]): Promise<number> {
  const commandLine = parseCommandLine(argv, { limit: '20' });
  const [area, command] = commandLine.positionals;
  if (commandLine.help) {
    console.log(usage);
    return 0;
  }
  const known = ['audit verify', 'audit list', 'storage status'];
  if (!known.includes(`${area} ${command}`)) throw new UsageError(usage);
  const session = await sessionFor(commandLine);
  if (area === 'audit' && command === 'verify') {
    const result = auditVerificationSchema.parse(await session.get('/api/v2/admin/audit/verify'));
    if (result.intact) {
      console.log(`audit log intact: ${result.records} records${result.headHash ? `, head ${result.headHash}` : ''}`);
      return 0;
    }
    console.log(
      `audit log BROKEN at record ${result.brokenAt}: ${result.problem} (${result.records} records verified before it)`,
    );
    return 1;
  }
  if (area === 'audit') {
    const limit = Number(commandLine.option('limit'));
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit is a positive whole number');
    const { records } = auditListSchema.parse(await session.get(`/api/v2/admin/audit?limit=${limit}`));
    for (const r of records) console.log(`${r.seq}\t${r.at}\t${r.actor}\t${r.action}\t${r.target}\t${r.source}`);
    return 0;
  }
  const status = storageStatusSchema.parse(await session.get('/api/v2/admin/storage'));
  console.log(
    status.pending === 0
      ? 'storage: nothing waiting'
      : `storage: ${status.pending} file(s) waiting since ${status.oldest}; last error: ${status.lastError ?? 'none'}`,
  );
  return 0;
}

await runCli(() => main(process.argv.slice(2)));
