"""Where a class is graded: a Dask cluster of long-lived workers.

`connect(scheduler=None, workers=None)` returns a `distributed.Client`:

* no scheduler: a `LocalCluster` on this machine with `workers` worker threads (default: twice
  the cores plus one: a student's grading also waits, for its kernels to start and answer, and
  the others keep the cores busy meanwhile; measured in docs/benchmarks.md), one student at a
  time each, without Dask's sampling profiler (a worker's threads only wait for their warm
  graders: it would sample that waiting a hundred times a second, on the cores the students
  need).  The threads run in this
  process: a task only waits for its warm grader, a process of its own (`grading.student`), so
  worker processes would add nothing but their start-up (about 1.5 s of CPU each, measured in
  docs/benchmarks.md);
* `scheduler="tcp://host:8786"`: an existing cluster: workers started with `dask worker ADDRESS`
  on other machines, dask-jobqueue on a SLURM or PBS cluster, dask-kubernetes...  Each worker
  needs this project's environment (`scripts/setup.sh`: the grader, the grading kernel and
  bubblewrap) and nothing else: no folder shared with the coordinator.

A worker that dies (killed, out of memory) while grading a student costs that student only: the
scheduler hands it to another worker once (ALLOWED_FAILURES) and then reports it.  On a cluster of
your own, start the scheduler with `DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=1` for the same
rule; the coordinator cannot change a running scheduler's settings.
"""
import os

ALLOWED_FAILURES = 1   # a student whose worker died is graded once more, then reported


def default_workers():
    """Two workers per core, plus one (measured in docs/benchmarks.md)."""
    return 2 * (os.cpu_count() or 1) + 1


def connect(scheduler=None, workers=None):
    """(client, cluster or None): a client of the cluster at `scheduler`, or of a new local one."""
    import dask
    from distributed import Client, LocalCluster
    if scheduler:
        client = Client(scheduler)
        client.wait_for_workers(1)      # grading waits for a first worker
        return client, None
    with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES,
                          "distributed.worker.memory.terminate": False,
                          "distributed.admin.tick.limit": "30s",
                          "distributed.worker.profile.enabled": False,
                          "logging.distributed": "error"}):
        cluster = LocalCluster(n_workers=1, threads_per_worker=workers or default_workers(),
                               processes=False, dashboard_address=None, silence_logs=50)
        return Client(cluster), cluster


def capacity(client):
    """How many students the cluster grades at once: its worker threads."""
    return sum(client.nthreads().values()) or 1
