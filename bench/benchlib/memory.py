"""(b) memory of the supervisor itself with N services running.

Sums RSS and PSS (/proc/PID/smaps_rollup) over the supervisor's own
processes: the root and every descendant that is not a supervised program
(s6-svscan + s6-supervise, runsvdir + runsv, supervisord's python,
banyan's JVM). Sampled `samples` times, `settle` s after all services are up;
the largest sample is reported.
"""
import time

from . import procs


def measure(stack, settle=3.0, samples=3):
    stack.start()
    try:
        stack.wait_up(300)
        time.sleep(settle)
        best = None
        for i in range(samples):
            if i:
                time.sleep(1.0)
            best = _max(best, _sample(stack))
        return best
    finally:
        stack.stop()


def _sample(stack):
    rss = pss = count = threads = 0
    for pid in stack.supervisor_pids():
        mem = procs.smaps_rollup(pid)
        if mem:
            rss += mem[0]
            pss += mem[1]
            count += 1
            threads += procs.threads(pid)
    return {"rss_kib": rss, "pss_kib": pss, "processes": count, "threads": threads}


def _max(a, b):
    if a is None:
        return b
    return a if a["pss_kib"] >= b["pss_kib"] else b
