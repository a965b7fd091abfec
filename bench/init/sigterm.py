"""PID 1 of a fresh PID namespace with N idle services (sleep): `banyan init`
with N services, against tini running a shell script that starts N sleeps and
kills them on SIGTERM (the usual way to run several processes under tini).
For each: time from start to all services running, and from SIGTERM to the
namespace being gone (unshare exits right after its child, PID 1)."""
import os
import signal
import statistics
import subprocess
import sys
import time

banyan, tmp, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
conf = os.path.join(tmp, "banyan.toml")
with open(conf, "w") as f:
    f.write(f'log_dir = "{tmp}/log"\n')
    for i in range(n):
        f.write(f'[service.s{i}]\ncommand = ["sleep", "100000"]\n')
ready_file = os.path.join(tmp, "tini-ready")
script = os.path.join(tmp, "stack.sh")
with open(script, "w") as f:
    f.write(f"""pids=""
for i in $(seq {n}); do sleep 100000 & pids="$pids $!"; done
trap 'kill $pids; wait; exit 0' TERM
echo up > {ready_file}
wait
""")

PEERS = {
    "banyan": ([banyan, "init", "-f", conf], lambda log: "target default is up" in open(log).read()),
    "tini": (["tini", "-s", "--", "/bin/sh", script], lambda log: os.path.exists(ready_file)),
}


def once(name, k):
    argv, is_up = PEERS[name]
    if os.path.exists(ready_file):
        os.unlink(ready_file)
    log_path = os.path.join(tmp, f"{name}{k}.log")
    t_start = time.monotonic()
    with open(log_path, "w") as log:
        p = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc"] + argv,
                             stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             env=dict(os.environ, BANYAN_CONTROL=os.path.join(tmp, "control.sock")))
    deadline = t_start + 60
    while not is_up(log_path):
        if time.monotonic() > deadline or p.poll() is not None:
            raise RuntimeError(f"{name} did not come up:\n" + open(log_path).read())
        time.sleep(0.002)
    up_ms = (time.monotonic() - t_start) * 1000
    with open(f"/proc/{p.pid}/task/{p.pid}/children") as c:
        pid1 = int(c.read().split()[0])
    time.sleep(0.5)  # idle, as a real idle stack is
    t0 = time.monotonic()
    os.kill(pid1, signal.SIGTERM)
    p.wait()
    ms = (time.monotonic() - t0) * 1000
    if p.returncode != 0:
        raise RuntimeError(f"{name}: exit {p.returncode}:\n" + open(log_path).read())
    return up_ms, ms


def med(xs):
    return statistics.median(xs)


summary = {}
for name in PEERS:
    ups, downs = [], []
    for k in range(runs):
        up_ms, down_ms = once(name, k)
        ups.append(up_ms)
        downs.append(down_ms)
        print(f"{name} run {k + 1}: up {up_ms:.0f} ms, SIGTERM to exit {down_ms:.0f} ms", flush=True)
    summary[name] = (med(ups), med(downs), min(downs), max(downs))
print(f"\n{n} idle services, {runs} runs each (medians; SIGTERM min-max)")
for name, (u, d, lo, hi) in summary.items():
    print(f"{name:7} start to all running {u:6.0f} ms   SIGTERM to exit {d:5.0f} ms ({lo:.0f}-{hi:.0f})")
b, t = summary["banyan"], summary["tini"]
print(f"ratios tini/banyan: start {t[0] / b[0]:.2f}x, SIGTERM to exit {t[1] / b[1]:.2f}x")
