"""Starts `banyan init` as PID 1 of a fresh PID namespace with N idle services
(sleep), waits for the target, sends SIGTERM and measures until the namespace
is gone (unshare exits right after its child, PID 1). Prints each run and the
median; banyan's own log gives the split between stage 3 and the exit."""
import os
import signal
import statistics
import subprocess
import sys
import time

banyan, tmp, n, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
conf = os.path.join(tmp, "banyan.toml")
with open(conf, "w") as f:
    for i in range(n):
        f.write(f'[service.s{i}]\ncommand = ["sleep", "100000"]\n')


def once(k):
    log_path = os.path.join(tmp, f"run{k}.log")
    with open(log_path, "w") as log:
        p = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", banyan, "init", "-f", conf],
                             stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while "target default is up" not in open(log_path).read():
        if time.monotonic() > deadline or p.poll() is not None:
            raise RuntimeError("banyan did not come up:\n" + open(log_path).read())
        time.sleep(0.01)
    with open(f"/proc/{p.pid}/task/{p.pid}/children") as c:
        pid1 = int(c.read().split()[0])
    # the services are spawned; give them a moment to be idle in sleep, as a real idle stack is
    time.sleep(0.5)
    t0 = time.monotonic()
    os.kill(pid1, signal.SIGTERM)
    p.wait()
    ms = (time.monotonic() - t0) * 1000
    if p.returncode != 0:
        raise RuntimeError(f"exit {p.returncode}:\n" + open(log_path).read())
    return ms


results = []
for k in range(runs):
    ms = once(k)
    results.append(ms)
    print(f"run {k + 1}: {ms:.0f} ms", flush=True)
print(f"SIGTERM to exit, {n} idle services, {runs} runs: median {statistics.median(results):.0f} ms, "
      f"min {min(results):.0f} ms, max {max(results):.0f} ms")
