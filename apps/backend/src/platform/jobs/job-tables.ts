/** pg-boss keeps its tables in this schema of Vox's database. */
export const jobSchema = 'vox_jobs';

/** The queue a pg-boss job name belongs to: `store-media/vm-1a2b3c` (a per-backend queue) is `store-media`. */
export const baseQueueSql = "split_part(name, '/', 1)";
