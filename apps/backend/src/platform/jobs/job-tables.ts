/** pg-boss keeps its tables in this schema of Vox's database. */
export const jobSchema = 'vox_jobs';
