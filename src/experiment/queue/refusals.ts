/** Where queue workers leave the reasons they refused a sweep's jobs, for its coordinator to show. */
export const refusalsKey = (sweep: string): string => `distill:refusals:${sweep}`;

/** The sweep id part of a job id (job.ts: "<sweep>-<trial hash>"). */
export const sweepOfJob = (id: string): string => id.split("-")[0];
