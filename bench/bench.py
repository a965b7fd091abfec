"""banyan benchmark driver. Run it through bench/run, which compiles the
C helpers and provides a scratch directory.

    bench/run [all|respawn|memory|startup]...

Environment (defaults in brackets):
    BENCH_PEERS    supervisors to measure [banyan s6 runit supervisord baseline];
                   banyan-nocgroup (banyan without cgroup2) and banyan-procs
                   (services join their cgroup through cgroup.procs) may be added
    BENCH_KILLS    respawn: number of kills per supervisor [200]
    BENCH_PARALLEL respawn: services per supervisor, killed round robin [20]
    BENCH_SIZES    memory: service counts [10 100 1000]
    BENCH_START_N  startup: services to start [1000]
    BENCH_RUNS     startup: runs per supervisor [3]
    BENCH_QUICK=1  small numbers for a quick check (a few minutes)
    BENCH_JSON     also write the raw results there
    BANYAN         the banyan launcher [the repository's ./banyan]
    BENCH_SUPERVISORD_STARTSECS, BENCH_SUPERVISORD_LOG
                   supervisord's startsecs [1] and stdout/stderr_logfile [AUTO]
See docs/benchmarks.md.
"""
import datetime
import json
import os
import shutil
import signal
import statistics
import sys

from benchlib import memory, peers, procs, report, respawn, startup
from benchlib.sysinfo import banyan_build, machine, versions

PARTS = ("respawn", "memory", "startup")


def settings():
    quick = os.environ.get("BENCH_QUICK") == "1"
    env = os.environ.get
    return {
        "peers": env("BENCH_PEERS", "banyan s6 runit supervisord baseline").split(),
        "kills": int(env("BENCH_KILLS", "40" if quick else "200")),
        "parallel": int(env("BENCH_PARALLEL", "10" if quick else "20")),
        "sizes": [int(n) for n in env("BENCH_SIZES", "10 100" if quick else "10 100 1000").split()],
        "start_n": int(env("BENCH_START_N", "100" if quick else "1000")),
        "runs": int(env("BENCH_RUNS", "1" if quick else "3")),
    }


class Runner:
    def __init__(self, tmp, pause, cfg):
        self.tmp, self.pause, self.cfg = tmp, pause, cfg
        self.serial = 0

    def stack(self, peer, n):
        self.serial += 1
        workdir = os.path.join(self.tmp, f"{self.serial:03d}-{peer}-{n}")
        return peers.PEERS[peer](workdir, self.pause, n)

    def done(self, stack):
        shutil.rmtree(stack.dir, ignore_errors=True)

    def guarded(self, what, fn):
        """Run one measurement; a failing peer is recorded, not fatal."""
        try:
            return fn()
        except (peers.StackError, RuntimeError, OSError) as e:
            log(f"  {what}: FAILED: {e}")
            return {"error": str(e)}

    def respawn(self, peers_):
        """All supervisors side by side, measured in turns (see respawn.py)."""
        stacks = {peer: self.stack(peer, self.cfg["parallel"]) for peer in peers_}
        results = respawn.measure(stacks, self.cfg["kills"], log=log)
        for peer, stack in stacks.items():
            self.done(stack)
            r = results[peer]
            if r.get("samples_ns"):
                s = report.respawn_summary(r)
                idle = r["idle_samples_ns"]
                log(f"  {peer}: median {s['median'] / 1e6:.3f} ms, p95 {s['p95'] / 1e6:.3f} ms "
                    f"({s['n']} kills, {s['timeouts']} timeouts); after idle: median "
                    f"{statistics.median(idle) / 1e6:.3f} ms ({len(idle)} kills)")
        return results

    def memory(self, peer):
        out = {}
        for n in self.cfg["sizes"]:
            stack = self.stack(peer, n)
            out[n] = self.guarded(f"{peer} x{n}", lambda: memory.measure(stack))
            self.done(stack)
            if "pss_kib" in out[n]:
                log(f"  {peer} x{n}: PSS {out[n]['pss_kib'] / 1024:.1f} MiB, "
                    f"RSS {out[n]['rss_kib'] / 1024:.1f} MiB, {out[n]['processes']} processes")
        return out

    def startup(self, peers_):
        """Runs alternate between supervisors, so a busy spell hits them all."""
        n, out = self.cfg["start_n"], {peer: {"runs": []} for peer in peers_}
        for _ in range(self.cfg["runs"]):
            for peer in peers_:
                if "error" in out[peer]:
                    continue
                stack = self.stack(peer, n)
                r = self.guarded(f"{peer} x{n}", lambda: startup.measure(stack))
                self.done(stack)
                if "error" in r:
                    out[peer] = r
                    continue
                log(f"  {peer}: all {n} up after {r['all_ns'] / 1e6:.1f} ms, "
                    f"{r['cpu_s']:.2f} s CPU")
                out[peer]["runs"].append(r)
        return out


def loadavg():
    """Load average, and the share of time some task waited for a CPU
    (pressure stall information, avg60) when the kernel provides it."""
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    try:
        with open("/proc/pressure/cpu") as f:
            some = f.readline().split()[2].split("=")[1]
        return f"{load} (CPU pressure {some}%)"
    except (OSError, IndexError):
        return load


def busy():
    """CPU pressure above 10 % (or, without PSI, a load above half the CPUs)."""
    try:
        with open("/proc/pressure/cpu") as f:
            return float(f.readline().split()[2].split("=")[1]) > 10
    except (OSError, IndexError, ValueError):
        with open("/proc/loadavg") as f:
            return float(f.read().split()[0]) > os.cpu_count() / 2


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main(argv):
    parts = argv or ["all"]
    if any(p not in PARTS + ("all",) for p in parts):
        sys.exit(f"usage: bench/run [all|{'|'.join(PARTS)}]...")
    if "all" in parts:
        parts = list(PARTS)
    tmp, pause = os.environ["BENCH_TMP"], os.environ["BENCH_PAUSE"]
    cfg = settings()
    procs.become_subreaper()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    runner = Runner(tmp, pause, cfg)

    results = {"date": datetime.date.today().isoformat(), "machine": machine(),
               "versions": versions(), "settings": cfg, "load_before": loadavg(), "nice": os.nice(0)}
    results["other_jvms"] = len([p for p in os.listdir("/proc") if p.isdigit()
                                 and (procs.exe(int(p)) or "").endswith("/bin/java")])
    if results["other_jvms"]:
        log(f"warning: {results['other_jvms']} other JVM(s) running; they share pages with "
            "banyan's JVM and lower its PSS")
    if busy():
        log(f"warning: the machine is busy (load {results['load_before']}); numbers will be noisy")
    active = list(cfg["peers"])
    if any(p.startswith("banyan") for p in active):
        log("banyan: warm-up run (builds on first use)...")
        reason = peers.warm_up_banyan(os.path.join(tmp, "warm-up"), pause)
        results["versions"]["banyan"] = banyan_build(peers.BANYAN)
        if not reason:
            peers.snapshot_banyan(os.path.join(tmp, "banyan-home"))
            reason = peers.warm_up_banyan(os.path.join(tmp, "warm-up-2"), pause)
        if reason:
            log(f"banyan: not working yet, its rows are 'pending': {reason}")
            results["banyan_pending"] = reason
            active = [p for p in active if not p.startswith("banyan")]

    for part in parts:
        log(f"== {part}")
        if part == "memory":
            results[part] = {peer: runner.memory(peer) for peer in active}
        else:
            results[part] = getattr(runner, part)(active)

    results["load_after"] = loadavg()
    results["banyan_cgroups_left"] = peers.CGROUPS_LEFT
    print(render(results, parts, cfg))
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as f:
            json.dump(results, f, indent=1)


def render(results, parts, cfg):
    peers_shown = cfg["peers"]
    out = [f"date: {results['date']}"]
    out += [f"{k}: {v}" for k, v in results["machine"].items()]
    out += [f"{k}: {v}" for k, v in results["versions"].items()]
    out.append(f"load average before/after: {results['load_before']} / {results['load_after']}")
    out.append(f"other JVMs running at start: {results['other_jvms']}; nice: {results['nice']}")
    if results["banyan_cgroups_left"]:
        left = results["banyan_cgroups_left"]
        out.append(f"banyan left cgroups behind after {len(left)} of its runs (up to {max(left)} "
                   "in one run; the bench removed them)")
    if "banyan_pending" in results:
        out.append("banyan: pending (" + results["banyan_pending"].splitlines()[0][:120] + ")")
    if "respawn" in parts:
        out += ["", f"### Respawn after kill -9 ({cfg['kills']} kills, "
                    f"{cfg['parallel']} services per supervisor)", "",
                report.respawn_table(results["respawn"], peers_shown),
                "", f"### Respawn after {respawn.IDLE_GAP:.0f} s without a kill (one per round)", "",
                report.idle_table(results["respawn"], peers_shown)]
    if "memory" in parts:
        out += ["", "### Supervisor memory", "",
                report.memory_table(results["memory"], peers_shown, cfg["sizes"])]
    if "startup" in parts:
        out += ["", f"### Start {cfg['start_n']} services ({cfg['runs']} runs)", "",
                report.startup_table(results["startup"], peers_shown, cfg["start_n"])]
    return "\n".join(out)


if __name__ == "__main__":
    main(sys.argv[1:])
