import { useCallback, useEffect, useState } from 'react';
import { errorMessage, type JobOverview, type TroubledJob } from '@vox/shared';
import { useSupervisorStore } from '../supervisor-store.ts';
import { useAdminData } from './use-admin-data.ts';

/** Often enough to watch a backlog drain after storage comes back. */
const refreshMs = 5000;

/**
 * The background work: the backends sharing the database, each queue's jobs by state, what runs
 * now and where, and the jobs that failed (retrying on their own, or failed for good and waiting
 * for a Retry here).
 */
export function JobsPanel() {
  const client = useSupervisorStore((s) => s.client);
  const jobs = useAdminData(useCallback(async () => (client ? client.jobs() : undefined), [client]));
  const { reload, setError } = jobs;
  useEffect(() => {
    const timer = setInterval(() => void reload(), refreshMs);
    return () => clearInterval(timer);
  }, [reload]);
  const retry = async (job: TroubledJob) => {
    try {
      await client?.retryJob(job.queue, job.id);
      await reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section aria-label="Jobs">
      <p className="hint">
        Storing files, posting their metadata, muxing screens, analytics, ladders and purges run as jobs in the
        database: retried with a doubling backoff, taken over by another backend when theirs stops. A job out of runs
        stays failed until retried.
      </p>
      {jobs.error && <p className="error">{jobs.error}</p>}
      {jobs.data && <Backends overview={jobs.data} />}
      <table data-testid="job-queues">
        <thead>
          <tr>
            <th>Queue</th>
            <th>Waiting</th>
            <th>Running</th>
            <th>Retrying</th>
            <th>Failed</th>
            <th>Completed</th>
          </tr>
        </thead>
        <tbody>
          {jobs.data?.queues.map((q) => (
            <tr key={q.queue} className={q.failed > 0 ? 'failed' : undefined}>
              <td>{q.queue}</td>
              <td>{q.waiting}</td>
              <td>{q.running}</td>
              <td>{q.retrying}</td>
              <td>{q.failed}</td>
              <td>{q.completed}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Running now</h3>
      {jobs.data?.running.length === 0 && <p>Nothing.</p>}
      <table data-testid="running-jobs">
        <tbody>
          {jobs.data?.running.map((job) => (
            <tr key={job.id}>
              <td>{job.queue}</td>
              <td>{job.subject}</td>
              <td>on {job.nodeId}</td>
              <td>since {new Date(job.startedAt).toLocaleTimeString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Retrying and failed</h3>
      {jobs.data?.troubled.length === 0 && <p>None: every job ran on its first try.</p>}
      <table data-testid="troubled-jobs">
        <tbody>
          {jobs.data?.troubled.map((job) => (
            <tr key={job.id}>
              <td>{job.state}</td>
              <td>{job.queue}</td>
              <td>{job.subject}</td>
              <td>
                run {job.attempts} of {job.maxAttempts}
                {job.nextAttemptAt && <>, next {new Date(job.nextAttemptAt).toLocaleTimeString()}</>}
              </td>
              <td>{job.error}</td>
              <td>{job.state === 'failed' && <RetryButton job={job} onRetry={retry} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Backends({ overview }: { overview: JobOverview }) {
  return (
    <ul data-testid="backends">
      {overview.nodes.map((node) => (
        <li key={node.nodeId}>
          {node.nodeId}
          {node.self && ' (this one)'}: {node.alive ? `${node.running} running` : 'not seen for over 30 s'}
        </li>
      ))}
    </ul>
  );
}

function RetryButton({ job, onRetry }: { job: TroubledJob; onRetry: (job: TroubledJob) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      disabled={busy}
      onClick={() => {
        setBusy(true);
        void onRetry(job).finally(() => setBusy(false));
      }}
    >
      Retry
    </button>
  );
}
