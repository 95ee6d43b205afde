import type pg from 'pg';
import type { PurgeResult, RetentionRule } from '@vox/shared';
import type { AuditLog } from '../audit/audit-log.ts';
import { withTransaction } from '../../platform/db/transaction.ts';
import type { MediaStorage } from '../storage/media-storage.ts';
import type { RecordingStore } from './recording-store.ts';
import { errorMessage } from '@vox/shared';

/** Who asks, for the audit log. */
export interface Requester {
  actor: string;
  source: string;
}

export class LegalHoldError extends Error {}

/** Recordings one purge run handles at most per rule; the next run goes on. */
const purgeBatch = 1000;

/**
 * Deletion, legal hold and retention. A deletion removes the stored files first and the metadata
 * after, so a failure leaves a recording that still plays and is retried, never metadata pointing
 * at nothing; each is audited. A recording under legal hold is never deleted or purged.
 */
export class RecordingLifecycle {
  constructor(
    private readonly pool: pg.Pool,
    private readonly recordings: RecordingStore,
    private readonly storage: MediaStorage,
    private readonly audit: AuditLog,
  ) {}

  /** Deletes a recording; false when there is none; throws LegalHoldError when it is held. */
  async delete(id: string, by: Requester, action: 'delete' | 'purge' = 'delete', rule?: string): Promise<boolean> {
    const objects = await this.recordings.objectsOf(id);
    if (!objects) return false;
    if (objects.legalHold) throw new LegalHoldError(`recording ${id} is under legal hold and cannot be deleted`);
    for (const path of objects.paths) await this.storage.delete(path);
    // Held meanwhile: the files are gone but the hold is honoured for what is left, and said so.
    if (!(await this.recordings.deleteUnlessHeld(id))) {
      throw new LegalHoldError(`recording ${id} was put under legal hold while it was being deleted`);
    }
    await this.audit.append({
      actor: by.actor,
      action,
      target: id,
      source: by.source,
      details: { files: objects.paths.length, ...(rule ? { rule } : {}) },
    });
    return true;
  }

  async setLegalHold(id: string, hold: boolean, reason: string, by: Requester): Promise<boolean> {
    if (!(await this.recordings.setLegalHold(id, hold, reason))) return false;
    await this.audit.append({
      actor: by.actor,
      action: 'legal-hold',
      target: id,
      source: by.source,
      details: { hold, reason },
    });
    return true;
  }

  async rules(): Promise<RetentionRule[]> {
    const result = await this.pool.query<{
      name: string;
      max_age_days: number;
      include_labels: string[];
      exclude_labels: string[];
    }>('SELECT * FROM retention_rules ORDER BY name');
    return result.rows.map((r) => ({
      name: r.name,
      maxAgeDays: r.max_age_days,
      includeLabels: r.include_labels,
      excludeLabels: r.exclude_labels,
    }));
  }

  /** Replaces every retention rule. */
  async setRules(rules: RetentionRule[]): Promise<void> {
    await withTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM retention_rules');
      for (const rule of rules) {
        await client.query(
          'INSERT INTO retention_rules (name, max_age_days, include_labels, exclude_labels) VALUES ($1, $2, $3, $4)',
          [rule.name, rule.maxAgeDays, rule.includeLabels, rule.excludeLabels],
        );
      }
    });
  }

  /** Applies the retention rules: lists what they match, and unless `dryRun` purges it. */
  async purge(dryRun: boolean, by: Requester): Promise<PurgeResult> {
    const result: PurgeResult = { dryRun, recordings: [], keptByLegalHold: 0, failed: [] };
    const seen = new Set<string>();
    for (const rule of await this.rules()) {
      const { candidates, held } = await this.recordings.retentionCandidates(rule, purgeBatch);
      result.keptByLegalHold += held;
      for (const candidate of candidates) {
        if (seen.has(candidate.id)) continue;
        seen.add(candidate.id);
        if (dryRun) {
          result.recordings.push({ ...candidate, rule: rule.name });
          continue;
        }
        try {
          if (await this.delete(candidate.id, by, 'purge', rule.name)) {
            result.recordings.push({ ...candidate, rule: rule.name });
          }
        } catch (error) {
          result.failed.push({ id: candidate.id, error: errorMessage(error) });
        }
      }
    }
    return result;
  }
}
