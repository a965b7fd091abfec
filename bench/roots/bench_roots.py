"""Roots under a frozen sshfs server; run through bench/roots/run, which makes this the PID 1
of a PID and mount namespace of its own: whatever it starts, and everything it mounts, ends
with it, also when it is interrupted.

1. Failover: sshd is frozen (SIGSTOP) under a service on an sshfs root; the time until the
   service runs on the local fallback (its first line there), against the detection budget
   interval x failures + timeout. Thawed and rerooted back between trials.
2. `banyan status` while a root hangs: GET /v1/services over the unix socket (and the CLI)
   with the root idle, while its server is frozen (the service and a probe blocked in the
   kernel; the probe's timeout is long, so the root stays up and hung), and idle again.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

tmp, banyan = os.environ["BENCH_TMP"], os.environ["BANYAN"]
quick = os.environ.get("BENCH_QUICK") == "1"
trials = int(os.environ.get("BENCH_TRIALS", "5" if quick else "20"))
requests = int(os.environ.get("BENCH_REQUESTS", "300" if quick else "2000"))
cli_runs = int(os.environ.get("BENCH_CLI_RUNS", "1" if quick else "3"))
interval, timeout, failures = 1.0, 2.0, 2  # the probe of docs/roots.md's example
budget = interval * failures + timeout
CLIENT_IP, SERVER_IP = "10.77.0.1", "10.77.0.2"  # exist only inside the two namespaces made here


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(*argv):
    r = subprocess.run(argv, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout


def until(what, cond, limit=60.0):
    deadline = time.monotonic() + limit
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.005)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def loadavg():
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    try:
        with open("/proc/pressure/cpu") as f:
            return f"{load} (CPU pressure {f.readline().split()[2].split('=')[1]}%)"
    except (OSError, IndexError):
        return load


def tree(name, source):
    """A root's tree: Debian's static busybox and a marker naming the source."""
    t = os.path.join(tmp, name)
    for d in ("bin", "etc", "proc", "sys", "dev", "tmp"):
        os.makedirs(os.path.join(t, d))
    shutil.copy2("/bin/busybox", os.path.join(t, "bin/busybox"))
    os.symlink("busybox", os.path.join(t, "bin/sh"))
    for f, text in (("etc/os-release", f"ID={source}\n"), ("marker", f"{source}\n")):
        with open(os.path.join(t, f), "w") as out:
            out.write(text)
    return t


class Server:
    """sshd in a network namespace, sshfs's side in another, joined by a veth pair."""

    def __init__(self):
        ssh = os.path.join(tmp, "ssh")
        os.makedirs(ssh)
        for key in ("host", "client"):
            run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(ssh, key))
        shutil.copy(os.path.join(ssh, "client.pub"), os.path.join(ssh, "authorized_keys"))
        self.client_holder = subprocess.Popen(["unshare", "--net", "sleep", "infinity"])
        self.server_holder = subprocess.Popen(["unshare", "--net", "sleep", "infinity"])
        self.client_ns = f"/proc/{self.client_holder.pid}/ns/net"
        self.server_ns = f"/proc/{self.server_holder.pid}/ns/net"
        mine = os.readlink("/proc/self/ns/net")
        until("the namespaces", lambda: mine not in (os.readlink(self.client_ns), os.readlink(self.server_ns)))
        run("ip", "link", "add", "bc0", "netns", str(self.client_holder.pid), "type", "veth",
            "peer", "name", "bs0", "netns", str(self.server_holder.pid))
        run("nsenter", f"--net={self.client_ns}", "sh", "-c", f"ip addr add {CLIENT_IP}/24 dev bc0 && ip link set bc0 up")
        run("nsenter", f"--net={self.server_ns}", "sh", "-c", f"ip addr add {SERVER_IP}/24 dev bs0 && ip link set bs0 up")
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        sshd_log = os.path.join(tmp, "sshd.log")
        with open(sshd_log, "w") as out:
            self.sshd = subprocess.Popen(
                ["nsenter", f"--net={self.server_ns}", "/usr/sbin/sshd", "-D", "-e", "-f", "/dev/null",
                 "-o", f"HostKey={ssh}/host", "-o", f"AuthorizedKeysFile={ssh}/authorized_keys", "-o", "StrictModes=no",
                 "-o", "PermitRootLogin=yes", "-o", f"ListenAddress={SERVER_IP}", "-o", "PidFile=none",
                 "-o", "Subsystem sftp internal-sftp"], stdout=out, stderr=subprocess.STDOUT)
        until("sshd listening", lambda: f"Server listening on {SERVER_IP}" in open(sshd_log).read())
        self.sshfs = ["nsenter", f"--net={self.client_ns}", "sshfs", "-f", "-F", "/dev/null", "-o",
                      f"IdentityFile={ssh}/client,StrictHostKeyChecking=no,UserKnownHostsFile=/dev/null,BatchMode=yes",
                      f"root@{SERVER_IP}:{tree('net', 'net')}", "{target}"]

    def signal_all(self, sig):
        """sshd and its sessions: every process in the server's namespace but its holder."""
        target = os.readlink(self.server_ns)
        for p in os.listdir("/proc"):
            if p.isdigit() and int(p) != self.server_holder.pid:
                try:
                    if os.readlink(f"/proc/{p}/ns/net") == target:
                        os.kill(int(p), sig)
                except OSError:
                    pass  # gone meanwhile

    def freeze(self):
        self.signal_all(signal.SIGSTOP)

    def thaw(self):
        self.signal_all(signal.SIGCONT)


class Banyan:
    """`banyan up` with one root (sshfs, then a local bind) and a service on it saying which source it sees."""

    def __init__(self, name, server, probe_timeout, probe_failures):
        self.sock = os.path.join(tmp, f"{name}.sock")
        self.toml = os.path.join(tmp, f"{name}.toml")
        with open(self.toml, "w") as f:
            f.write(f"""log_dir = "{tmp}/{name}-log"
[root.app]
sources = [{{ name = "net", command = {json.dumps(server.sshfs)} }}, {{ name = "local", bind = "{tree(name + '-local', 'local')}" }}]
probe = {{ file = "/etc/os-release", interval = "{int(interval * 1000)}ms", timeout = "{probe_timeout}", failures = {probe_failures} }}
[service.watcher]
root = "app"
command = ["/bin/sh", "-c", "last=; while :; do m=$(cat /marker); if [ \\"$m\\" != \\"$last\\" ]; then echo sees $m; last=$m; fi; sleep 0.2; done"]
""")
        self.lines = []  # (monotonic time of arrival, line)
        self.out = open(os.path.join(tmp, f"{name}.log"), "w")
        self.proc = subprocess.Popen([banyan, "up", "-f", self.toml, "--control", self.sock],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line.rstrip("\n")))
            self.out.write(line)
            self.out.flush()

    def seen(self, text, after=0.0):
        """When a line holding text arrived after the given time, or None."""
        for t, line in list(self.lines):
            if t > after and text in line:
                return t
        if self.proc.poll() is not None:
            raise RuntimeError(f"banyan up exited {self.proc.returncode}; see its output in {self.out.name}")
        return None

    def http(self, method, path, body=""):
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(5)  # a hang is a failure of the bench, not a slow sample
        s.connect(self.sock)
        s.sendall(f"{method} {path} HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n{body}".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
        s.close()
        head, _, rest = data.decode().partition("\r\n\r\n")
        if not head.startswith("HTTP/1.1 2"):
            raise RuntimeError(f"{method} {path}: {head.splitlines()[0] if head else 'no answer'}")
        return rest

    def root(self):
        return json.loads(self.http("GET", "/v1/roots/app"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)


def blocked_in_fuse():
    """Some process of ours waits in the kernel for the FUSE server (a read, or a page of busybox)."""
    for p in os.listdir("/proc"):
        try:
            if p.isdigit() and open(f"/proc/{p}/wchan").read() in ("request_wait_answer", "folio_wait_bit_common"):
                return True
        except OSError:
            pass
    return False


def status_times(b, n):
    """n round trips of GET /v1/services, a new connection each, in ms."""
    times = []
    for _ in range(n):
        a = time.perf_counter()
        if '"watcher"' not in b.http("GET", "/v1/services"):
            raise RuntimeError("GET /v1/services without the watcher")
        times.append((time.perf_counter() - a) * 1000)
    return times


def cli_times(b, n):
    times = []
    for _ in range(n):
        a = time.perf_counter()
        subprocess.run([banyan, "status", "--control", b.sock], stdout=subprocess.DEVNULL, check=True, timeout=30)
        times.append((time.perf_counter() - a) * 1000)
    return times


def failover(server):
    b = Banyan("failover", server, f"{int(timeout * 1000)}ms", failures)
    try:
        until("the watcher on the server", lambda: b.seen("watcher | sees net"), 60)
        results = []
        for k in range(trials):
            time.sleep(1 + random.uniform(0, interval))  # the freeze falls anywhere in a probe's interval
            t0 = time.monotonic()
            server.freeze()
            until("the watcher on the fallback", lambda: b.seen("watcher | sees local", t0), budget + 30)
            dt = b.seen("watcher | sees local", t0) - t0
            results.append(dt)
            log(f"  trial {k + 1}: {dt:.2f} s")
            server.thaw()
            t1 = time.monotonic()
            b.http("POST", "/v1/roots/app/reroot", '{"source": "net"}')
            until("the watcher back on the server", lambda: b.seen("watcher | sees net", t1), 60)
            if b.root()["source"] != "net":
                raise RuntimeError(f"after the reroot the root serves {b.root()['source']}")
        losses = b.root()["losses"]
        if losses != trials:
            raise RuntimeError(f"{losses} losses counted for {trials} trials")
        return results
    finally:
        server.thaw()
        b.stop()


def status_under_hang(server):
    # A probe timeout far beyond the measurement: the root stays up, hung, all along.
    b = Banyan("hang", server, "300s", 3)
    try:
        until("the watcher on the server", lambda: b.seen("watcher | sees net"), 60)
        cli_times(b, 1)  # the client's first run (its AOT cache), not measured
        out = {}
        out["idle, before"] = (status_times(b, requests), cli_times(b, cli_runs))
        server.freeze()
        until("the service blocked on the frozen server", blocked_in_fuse, 30)
        time.sleep(interval * 2)  # probes are in flight, stuck in the kernel too
        out["root hung"] = (status_times(b, requests), cli_times(b, cli_runs))
        root = b.root()
        if root["state"] != "up" or root["source"] != "net" or not blocked_in_fuse():
            raise RuntimeError(f"the root did not stay hung while measured: {root}")
        server.thaw()
        until("the service reading again", lambda: not blocked_in_fuse(), 30)
        out["idle, after"] = (status_times(b, requests), cli_times(b, cli_runs))
        return out
    finally:
        server.thaw()
        b.stop()


def main():
    # PID 1 needs handlers to be stopped at all (and a background job starts with SIGINT ignored).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))
    # A /run of the bench's own (sshd's /run/sshd, banyan's /run/banyan/roots): nothing made there outlives it.
    run("mount", "-t", "tmpfs", "-o", "mode=755,size=16m", "bench-run", "/run")
    log(f"load before: {loadavg()}")
    load_before = loadavg()
    server = Server()
    log(f"1. frozen server -> service on the fallback, {trials} trials (budget {budget:g} s)")
    fo = failover(server)
    log(f"2. GET /v1/services x {requests} and `banyan status` x {cli_runs}: idle, root hung, idle")
    st = status_under_hang(server)
    load_after = loadavg()
    print(f"machine: {os.cpu_count()} cpus; load before {load_before}, after {load_after}")
    print(f"frozen sshfs server -> service running on the fallback ({len(fo)} trials; probe interval {interval:g} s x failures {failures}"
          f" + timeout {timeout:g} s = budget {budget:g} s, target {budget + 1:g} s):")
    print(f"  median {pct(fo, 50):.2f} s, p90 {pct(fo, 90):.2f} s, max {max(fo):.2f} s, min {min(fo):.2f} s"
          f" -> {'within' if max(fo) <= budget + 1 else 'OVER'} the target")
    print(f"GET /v1/services over the unix socket ({requests} each, new connection each) and `banyan status` ({cli_runs} each):")
    for phase, (api, cli) in st.items():
        print(f"  {phase:13} API p50 {pct(api, 50):.2f} ms, p99 {pct(api, 99):.2f} ms, max {max(api):.2f} ms;"
              f" CLI {', '.join(f'{t:.0f}' for t in cli)} ms")
    hung_p99 = pct(st["root hung"][0], 99)
    ratios = ", ".join(f"{hung_p99 / pct(st[p][0], 99):.2f} against {p}" for p in ("idle, before", "idle, after"))
    print(f"  p99 while the root hangs / idle p99: {ratios} (target <= 2)")


if __name__ == "__main__":
    main()
