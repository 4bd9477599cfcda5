/* jobs.c - a single scheduler thread; jobs are short and idempotent. */
#include "jobs.h"
#include "i18n.h"
#include "log.h"
#include "module.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

static pthread_t thread;
static bool running;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
enum { KICKS = 8 };
static const char *kicked[KICKS]; /* job names asked to run at the next tick */

static const struct job_def *find(const char *name)
{
  for (size_t m = 0; m < defter_nmodules; m++)
    for (size_t j = 0; j < defter_modules[m]->njobs; j++)
      if (str_eq(defter_modules[m]->jobs[j].name, name))
        return &defter_modules[m]->jobs[j];
  return NULL;
}

static int run_one(db *d, const struct job_def *j)
{
  int64_t t0 = now_ms();
  int rc = j->fn(d);
  db_release_leaked(d, j->name);
  const char *status = rc ? "error" : "ok";
  if (db_run(d, "DELETE FROM jobs_state WHERE name = ?", "t", j->name) ||
      db_run(d, "INSERT INTO jobs_state (name, last_run, last_status) VALUES (?, ?, ?)", "tit", j->name,
             now_unix(), status))
    log_warn("job state not recorded", "job=%s", j->name);
  if (rc)
    log_error("job failed", "job=%s rc=%d", j->name, rc);
  else
    log_debug("job done", "job=%s ms=%lld", j->name, (long long)(now_ms() - t0));
  return rc;
}

void jobs_kick(const char *name)
{
  pthread_mutex_lock(&mu);
  for (int i = 0; i < KICKS; i++) {
    if (kicked[i] && str_eq(kicked[i], name))
      break;
    if (!kicked[i]) {
      kicked[i] = name;
      break;
    }
  }
  pthread_mutex_unlock(&mu);
}

static bool take_kick(const char *name)
{
  bool hit = false;
  pthread_mutex_lock(&mu);
  for (int i = 0; i < KICKS; i++)
    if (kicked[i] && str_eq(kicked[i], name)) {
      kicked[i] = NULL;
      hit = true;
    }
  pthread_mutex_unlock(&mu);
  return hit;
}

int jobs_run(db *d, const char *name)
{
  const struct job_def *j = find(name);
  return j ? run_one(d, j) : -1;
}

static void *loop(void *arg)
{
  (void)arg;
  i18n_use("tr"); /* mails and records written by jobs: the institution's language */
  db *d = db_thread();
  pthread_mutex_lock(&mu);
  while (running) {
    pthread_mutex_unlock(&mu);
    int64_t now = now_unix();
    for (size_t m = 0; d && m < defter_nmodules; m++) {
      for (size_t k = 0; k < defter_modules[m]->njobs; k++) {
        const struct job_def *j = &defter_modules[m]->jobs[k];
        int64_t last = 0;
        if (db_int(d, &last, "SELECT last_run FROM jobs_state WHERE name = ?", "t", j->name) != DB_ROW)
          last = 0;
        if (take_kick(j->name) || now - last >= j->interval_s)
          (void)run_one(d, j);
      }
    }
    pthread_mutex_lock(&mu);
    if (!running)
      break;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 5;
    pthread_cond_timedwait(&cv, &mu, &ts);
  }
  pthread_mutex_unlock(&mu);
  return NULL;
}

int jobs_start(void)
{
  running = true;
  if (pthread_create(&thread, NULL, loop, NULL)) {
    running = false;
    return -1;
  }
  return 0;
}

void jobs_stop(void)
{
  pthread_mutex_lock(&mu);
  if (!running) {
    pthread_mutex_unlock(&mu);
    return;
  }
  running = false;
  pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(thread, NULL);
}
