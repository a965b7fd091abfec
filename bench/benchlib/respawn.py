"""(a) kill -9 -> respawn latency of a service that has been up > 1 s.

`parallel` services run under one supervisor; they are killed round robin,
one at a time, and only once the victim has been up for `min_up` seconds,
so every kill hits a service the supervisor restarts at once.
Latency = start stamp of the new process - CLOCK_MONOTONIC just before kill().
"""
import os
import signal
import time

from . import procs
from .stamps import Watcher

TIMEOUT = 5.0


def measure(stack, kills, min_up=1.1):
    stack.start()
    watcher = None
    samples, failures = [], []
    try:
        stack.wait_up(120)
        watcher = Watcher(stack.stamps.path)
        min_up_ns = int(min_up * 1e9)
        for k in range(kills):
            name = stack.names[k % len(stack.names)]
            victim = stack.stamps.last(name)
            pause_until = (victim.mono + min_up_ns - time.monotonic_ns()) / 1e9
            if pause_until > 0:
                time.sleep(pause_until)
            if not procs.alive(victim.pid):
                raise RuntimeError(f"{stack.peer}: {name} (pid {victim.pid}) is not running")
            killed_at = time.monotonic_ns()
            os.kill(victim.pid, signal.SIGKILL)
            latency = _wait_restart(stack, watcher, name, killed_at)
            if latency is None:
                failures.append(name)
                if len(failures) > 3:
                    raise RuntimeError(f"{stack.peer}: {name} not restarted within {TIMEOUT} s "
                                       f"({len(failures)} times): {stack.log_tail()}")
            else:
                samples.append(latency)
    finally:
        if watcher:
            watcher.close()
        stack.stop()
    return {"samples_ns": samples, "timeouts": len(failures), "services": len(stack.names)}


def _wait_restart(stack, watcher, name, killed_at):
    deadline = killed_at + int(TIMEOUT * 1e9)
    while True:
        stamp = stack.stamps.last(name)
        if stamp and stamp.mono > killed_at:
            return stamp.mono - killed_at
        now = time.monotonic_ns()
        if now > deadline:
            return None
        watcher.wait((deadline - now) / 1e9)
