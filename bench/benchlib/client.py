"""(d) wall time of one status query: from the driver's fork/exec of the
command to its exit, stdout and stderr to /dev/null.

banyan's client commands through the launcher (for these shapes the native
client answers: src/main/c/banyan-client.c), the native client started
directly (the launcher's sh costs the difference), the JVM client of the same
query (BANYAN_NO_NATIVE_CLIENT=1), and s6-svstat of one service of an s6 stack
of the same size. Rounds alternate between the commands, so a busy spell hits
them all; each command runs once before its samples are taken.
"""
import os
import subprocess
import time

from . import peers


def native_client():
    """The native client beside the launcher: ./banyan's target/, a release's lib/."""
    home = os.path.dirname(os.path.realpath(peers.BANYAN))
    for path in (os.path.join(home, "target", "banyan-client"), os.path.join(home, "..", "lib", "banyan-client")):
        if os.access(path, os.X_OK):
            return os.path.normpath(path)
    return None


def wall_ns(argv, env):
    a = time.perf_counter_ns()
    r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ns = time.perf_counter_ns() - a
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}")
    return ns


def commands(banyan, s6):
    sock = os.path.join(banyan.dir, "control.sock")
    name = banyan.names[0]
    env = banyan.env()
    jvm = dict(env, BANYAN_NO_NATIVE_CLIENT="1")
    out = {
        "banyan status NAME": ([peers.BANYAN, "status", name, "--control", sock], env),
        "banyan status": ([peers.BANYAN, "status", "--control", sock], env),
        "banyan status --json": ([peers.BANYAN, "status", "--json", "--control", sock], env),
    }
    native = native_client()
    if native:
        out["banyan-client status NAME (no launcher)"] = ([native, peers.BANYAN, "status", name, "--control", sock], env)
    out["s6-svstat DIR"] = (["s6-svstat", os.path.join(s6.scandir, s6.names[0])], dict(os.environ))
    out["banyan status NAME, JVM client"] = ([peers.BANYAN, "status", name, "--control", sock], jvm)
    return out


def measure(banyan, s6, runs, jvm_runs, log=lambda m: None):
    banyan.start()
    s6.start()
    try:
        banyan.wait_up(300)
        s6.wait_up(300)
        cmds = commands(banyan, s6)
        deadline = time.monotonic() + 30  # s6-svstat needs supervise/status, written just after the spawn
        while subprocess.run(cmds["s6-svstat DIR"][0], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("s6-svstat does not answer")
            time.sleep(0.01)
        for argv, env in cmds.values():
            wall_ns(argv, env)
        samples = {k: [] for k in cmds}
        for i in range(runs):
            for k, (argv, env) in cmds.items():
                if "JVM" not in k or i < jvm_runs:
                    samples[k].append(wall_ns(argv, env))
        for k, v in samples.items():
            v.sort()
            log(f"  {k}: median {v[len(v) // 2] / 1e6:.2f} ms ({len(v)} runs)")
        return {k: {"samples_ns": v} for k, v in samples.items()}
    finally:
        banyan.stop()
        s6.stop()
