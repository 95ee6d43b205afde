import type { JobOverview } from '@vox/shared';
import { terminalSafe } from './terminal-text.ts';

const columns = ['waiting', 'running', 'retrying', 'failed', 'completed'] as const;

/** `vox jobs`: the backends, a line per queue, the jobs running and where, then each job that is retrying or failed. */
export function jobReport(overview: JobOverview, now = new Date()): string[] {
  const lines: string[] = [];
  for (const node of overview.nodes) {
    const seen = Math.round((now.getTime() - new Date(node.seenAt).getTime()) / 1000);
    const state = node.alive ? `${node.running} running, seen ${seen} s ago` : `NOT SEEN for ${seen} s`;
    lines.push(terminalSafe(`backend ${node.nodeId}${node.self ? ' (answered this)' : ''}: ${state}`));
  }
  const width = Math.max(...overview.queues.map((q) => q.queue.length));
  lines.push(['queue'.padEnd(width), ...columns.map((c) => c.padStart(9))].join(' '));
  for (const queue of overview.queues) {
    lines.push([queue.queue.padEnd(width), ...columns.map((c) => String(queue[c]).padStart(9))].join(' '));
  }
  for (const job of overview.running) {
    lines.push(terminalSafe(`RUNNING ${job.queue} ${job.id} ${job.subject}: on ${job.nodeId} since ${job.startedAt}`));
  }
  for (const job of overview.troubled) {
    const when = job.nextAttemptAt ? `, next run ${job.nextAttemptAt}` : '';
    lines.push(
      terminalSafe(
        `${job.state.toUpperCase()} ${job.queue} ${job.id} ${job.subject}: run ${job.attempts} of ${job.maxAttempts}${when}: ${job.error}`,
      ),
    );
  }
  return lines;
}
