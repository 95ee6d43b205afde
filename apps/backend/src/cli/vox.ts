import { connectionUsage, parseCommandLine, runCli, sessionFor, UsageError } from './cli-session.ts';
import { jobQueueNameSchema } from '@vox/shared';
import { jobReport } from './job-report.ts';
import { terminalSafe } from './terminal-text.ts';

const usage = `Usage: vox <command> --user NAME [--password-file FILE] [--url URL]

  audit verify     checks the audit log's keyed hash chain against the head kept outside the
                   database; exits 1 when a record was edited, deleted or re-hashed
  audit list       the newest audit records (--limit N, default 20)
  storage status   media files waiting for storage, and the last storage error
  jobs             the background job queues, the backends running them, and the jobs that
                   are retrying or failed; exits 1 when a job failed for good
  jobs retry QUEUE ID
                   runs a failed job again now
  keys list        the tenant keys media is encrypted with
  keys rotate      makes a new tenant key the current one (old recordings keep playing)
  retention show   the retention rules
  purge            applies the retention rules now (--dry-run lists what they would purge)

${connectionUsage}`;

async function main(argv: string[]): Promise<number> {
  const dryRun = argv.includes('--dry-run');
  const commandLine = parseCommandLine(
    argv.filter((a) => a !== '--dry-run'),
    { limit: '20' },
  );
  const [area, command = '', ...rest] = commandLine.positionals;
  if (commandLine.help) {
    console.log(usage);
    return 0;
  }
  const known = [
    'audit verify',
    'audit list',
    'storage status',
    'retention show',
    'purge ',
    'keys list',
    'keys rotate',
    'jobs ',
    'jobs retry',
  ];
  if (!known.includes(`${area} ${command}`)) throw new UsageError(usage);
  const session = await sessionFor(commandLine);
  if (area === 'audit' && command === 'verify') {
    const result = await session.api.call('verifyAudit');
    if (result.intact) {
      const keyed = result.keyedFrom !== undefined ? `, keyed from record ${result.keyedFrom}` : '';
      console.log(
        `audit log intact: ${result.records} records${keyed}${result.headHash ? `, head ${result.headHash}` : ''}`,
      );
      return 0;
    }
    const where = result.brokenAt !== undefined ? ` at record ${result.brokenAt}` : '';
    console.log(
      terminalSafe(`audit log BROKEN${where}: ${result.problem} (${result.records} records verified before it)`),
    );
    return 1;
  }
  if (area === 'audit') {
    const limit = Number(commandLine.option('limit'));
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit is a positive whole number');
    const { records } = await session.api.call('listAudit', { query: { limit } });
    // Anyone who can send a User-Agent or try a username writes into these fields.
    for (const r of records) {
      console.log([r.seq, r.at, r.actor, r.action, r.target, r.source].map((f) => terminalSafe(String(f))).join('\t'));
    }
    return 0;
  }
  if (area === 'jobs' && command === 'retry') {
    const [queue, id] = rest;
    const queueName = jobQueueNameSchema.safeParse(queue);
    if (!queueName.success || !id) {
      throw new UsageError(`vox jobs retry QUEUE ID: QUEUE is one of ${jobQueueNameSchema.options.join(', ')}`);
    }
    await session.api.call('retryJob', { params: { queue: queueName.data, id } });
    console.log(`${queueName.data} job ${id} queued to run again`);
    return 0;
  }
  if (area === 'jobs') {
    const overview = await session.api.call('jobOverview');
    for (const line of jobReport(overview)) console.log(line);
    return overview.queues.some((queue) => queue.failed > 0) ? 1 : 0;
  }
  if (area === 'keys') {
    const list = command === 'rotate' ? await session.api.call('rotateKey') : await session.api.call('listKeys');
    if (!list.encryption) console.log('encryption at rest is off (VOX_ENCRYPTION=0)');
    for (const key of list.keys) console.log(`${key.current ? '*' : ' '} ${key.id}\t${key.createdAt}`);
    return 0;
  }
  if (area === 'retention') {
    const { rules } = await session.api.call('getRetention');
    if (rules.length === 0) console.log('no retention rules: nothing is purged');
    for (const rule of rules) {
      const include = rule.includeLabels.length ? ` with a label of ${rule.includeLabels.join(', ')}` : '';
      const exclude = rule.excludeLabels.length ? `, except those labelled ${rule.excludeLabels.join(', ')}` : '';
      console.log(terminalSafe(`${rule.name}: recordings older than ${rule.maxAgeDays} days${include}${exclude}`));
    }
    return 0;
  }
  if (area === 'purge') {
    const result = await session.api.call('purge', { query: { dryRun: dryRun ? '1' : '0' } });
    for (const r of result.recordings) {
      console.log([dryRun ? 'would purge' : 'purged', r.id, r.startTime, r.rule].map(terminalSafe).join('\t'));
    }
    for (const f of result.failed) console.log(['FAILED', f.id, f.error].map(terminalSafe).join('\t'));
    console.log(
      `${result.recordings.length} recording(s) ${dryRun ? 'would be purged' : 'purged'}, ${result.keptByLegalHold} kept by legal hold, ${result.failed.length} failed`,
    );
    return result.failed.length > 0 ? 1 : 0;
  }
  const status = await session.api.call('storageStatus');
  console.log(
    status.pending === 0
      ? 'storage: nothing waiting'
      : `storage: ${status.pending} file(s) waiting since ${status.oldest}; last error: ${status.lastError ?? 'none'}`,
  );
  return 0;
}

await runCli(() => main(process.argv.slice(2)));
