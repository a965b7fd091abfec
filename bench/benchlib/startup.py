"""(c) time to start N services.

From the moment the driver launches the supervisor (CLOCK_MONOTONIC just
before fork/exec) until the last of the N services has started, taken from
the services' own start stamps (so the driver's polling adds nothing).
Also reported: the CPU time the supervisor's own processes had used by then,
which depends much less than wall time on what else the machine is doing.
"""
from . import procs


def measure(stack):
    stack.start()
    try:
        stack.wait_up(300)
        cpu = sum(procs.cpu_seconds(pid) for pid in stack.supervisor_pids())
        firsts = [stack.stamps.first(name).mono for name in stack.names]
        return {"all_ns": max(firsts) - stack.launched_ns,
                "first_ns": min(firsts) - stack.launched_ns,
                "cpu_s": cpu}
    finally:
        stack.stop()
