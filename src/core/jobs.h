/* jobs.h - the background scheduler: each module declares jobs with an
 * interval; one thread runs them with its own database connection and
 * records the last run in jobs_state so restarts do not repeat work. */
#ifndef DEFTER_JOBS_H
#define DEFTER_JOBS_H

#include "db.h"

struct job_def {
  const char *name;
  int64_t interval_s;
  int (*fn)(db *d);
};

int jobs_start(void) WUR;
void jobs_stop(void);
/* Asks the scheduler to run job `name` (a string that outlives the call,
 * e.g. a literal) at its next tick, within five seconds, whatever its
 * interval: e.g. the mail sender after a mail was queued. The tick comes
 * after the caller's transaction has committed in all practical cases;
 * if not, the job's own interval picks the work up. */
void jobs_kick(const char *name);
/* Runs one job now on the calling thread (CLI and tests). */
int jobs_run(db *d, const char *name) WUR;

#endif
