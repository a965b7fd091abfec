"""(a) kill -9 -> respawn latency of a service that has been up > 1 s.

Each supervisor runs `parallel` services. All supervisors run side by side
and are measured in turns (`rounds` rounds, each taking its share of the kills
from every supervisor in order), so a busy spell on the machine hits them all
alike. Within a supervisor, services are killed round robin and one at a time,
and only once the victim has been up for MIN_UP seconds, so every kill hits a
service the supervisor restarts at once.

Each round of a supervisor starts with one extra kill made after IDLE_GAP
seconds without any kill to that supervisor: the isolated crash of a quiet
system, kept apart from the back-to-back kills that follow it.
Latency = start stamp of the new process - CLOCK_MONOTONIC just before kill().
"""
import os
import signal
import time

from . import procs
from .peers import StackError
from .stamps import Watcher

TIMEOUT = 5.0
MIN_UP = 1.1
IDLE_GAP = 5.0


class Victims:
    """One supervisor under test: its services, killed in turn."""

    def __init__(self, stack):
        self.stack = stack
        self.turn = 0
        self.samples, self.idle_samples, self.timeouts = [], [], 0
        self.last_kill = time.monotonic_ns()
        self.watcher = Watcher(stack.stamps.path)

    def kill_one(self, idle=False):
        stack = self.stack
        name = stack.names[self.turn % len(stack.names)]
        self.turn += 1
        victim = stack.stamps.last(name)
        ready = victim.mono + int(MIN_UP * 1e9)
        if idle:
            ready = max(ready, self.last_kill + int(IDLE_GAP * 1e9))
        wait = (ready - time.monotonic_ns()) / 1e9
        if wait > 0:
            time.sleep(wait)
        if not procs.alive(victim.pid):
            raise StackError(f"{stack.peer}: {name} (pid {victim.pid}) is not running")
        killed_at = self.last_kill = time.monotonic_ns()
        os.kill(victim.pid, signal.SIGKILL)
        latency = self._wait_restart(name, killed_at)
        if latency is None:
            self.timeouts += 1
            if self.timeouts > 3:
                raise StackError(f"{stack.peer}: {name} not restarted within {TIMEOUT} s "
                                 f"({self.timeouts} times): {stack.log_tail()}")
        else:
            (self.idle_samples if idle else self.samples).append(latency)

    def _wait_restart(self, name, killed_at):
        deadline = killed_at + int(TIMEOUT * 1e9)
        while True:
            stamp = self.stack.stamps.last(name)
            if stamp and stamp.mono > killed_at:
                return stamp.mono - killed_at
            now = time.monotonic_ns()
            if now > deadline:
                return None
            self.watcher.wait((deadline - now) / 1e9)

    def result(self):
        return {"samples_ns": self.samples, "idle_samples_ns": self.idle_samples,
                "timeouts": self.timeouts, "services": len(self.stack.names)}


def measure(stacks, kills, rounds=20, log=print):
    """stacks: {peer: Stack}. Returns {peer: result or {"error": ...}}."""
    results, running = {}, {}
    try:
        for peer, stack in stacks.items():
            try:
                stack.start()
                stack.wait_up(120)
                running[peer] = Victims(stack)
            except StackError as e:
                log(f"  {peer}: FAILED: {e}")
                results[peer] = {"error": str(e)}
                stack.stop()
        for r in range(rounds):
            share = kills * (r + 1) // rounds - kills * r // rounds
            for peer, victims in list(running.items()):
                try:
                    victims.kill_one(idle=True)
                    for _ in range(share):
                        victims.kill_one()
                except StackError as e:
                    log(f"  {peer}: FAILED: {e}")
                    results[peer] = {"error": str(e)}
                    del running[peer]
        for peer, victims in running.items():
            results[peer] = victims.result()
    finally:
        for peer, stack in stacks.items():
            if stack.proc is not None:
                try:
                    stack.stop()
                except StackError as e:
                    log(f"  {peer}: {e}")
                    results[peer] = {"error": str(e)}
        for victims in running.values():
            victims.watcher.close()
    return results
