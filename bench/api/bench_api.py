"""Measures the control API and log capture; run through bench/api/run."""
import atexit, os, socket, statistics, subprocess, sys, time

tmp, banyan = os.environ["BENCH_TMP"], os.environ["BANYAN"]
lines = int(os.environ.get("BENCH_LINES", "500000"))
status_runs = int(os.environ.get("BENCH_STATUS_RUNS", "20"))
sock = os.path.join(tmp, "control.sock")
writer = os.path.join(tmp, "chatty.py")
with open(writer, "w") as f:
    f.write("import sys\nn=int(sys.argv[1])\nw=sys.stdout.write\nfor i in range(1,n+1): w('line %09d %s\\n' % (i, 'x'*60))\nsys.stdout.flush()\n")
toml = os.path.join(tmp, "banyan.toml")
with open(toml, "w") as f:
    f.write(f'log_dir = "{tmp}/log"\nlog_max_size = "1GiB"\n[service.idle]\ncommand = ["sleep", "3600"]\n'
            f'[service.chatty]\ncommand = ["python3", "{writer}", "{lines}"]\nrestart = "never"\n')


def request(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n".encode())
    while s.recv(65536):
        pass
    s.close()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


t0 = time.monotonic()
up = subprocess.Popen([banyan, "up", "-f", toml, "--control", sock], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
atexit.register(lambda: up.poll() is None and up.terminate())
while not os.path.exists(sock):
    time.sleep(0.01)
# log throughput: until the file holds every line of the chatty service
logfile = os.path.join(tmp, "log", "chatty.log")
last = f"line {lines:09d}".encode()
while True:
    try:
        with open(logfile, "rb") as f:
            f.seek(max(0, os.path.getsize(logfile) - 200))
            if last in f.read():
                break
    except FileNotFoundError:
        pass
    time.sleep(0.005)
banyan_s = time.monotonic() - t0
# the same writer into s6-log (no timestamps: s6-log's t directive adds them, as banyan does)
os.makedirs(os.path.join(tmp, "s6"))
t1 = time.monotonic()
subprocess.run(f"python3 {writer} {lines} | s6-log t s1000000000 {tmp}/s6", shell=True, check=True)
s6_s = time.monotonic() - t1
# API round trips
for _ in range(200):
    request("/v1/services/idle")
rt = []
for _ in range(2000):
    a = time.perf_counter()
    request("/v1/services/idle")
    rt.append((time.perf_counter() - a) * 1000)
# wall time of the client command, both forms interleaved, after one run each (which makes the AOT cache if needed)
wall = {"": [], " --json": []}
for form in wall:
    subprocess.run([banyan, "status", "--control", sock] + form.split(), stdout=subprocess.DEVNULL, check=True)
for _ in range(status_runs):
    for form, times in wall.items():
        a = time.perf_counter()
        subprocess.run([banyan, "status", "--control", sock] + form.split(), stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - a) * 1000)
load = os.getloadavg()[0]
up.terminate()
up.wait(60)
print(f"machine: {os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f} (while banyan status ran: {load:.2f})")
print(f"API round trip GET /v1/services/NAME (2000, new connection each): p50 {pct(rt, 50):.2f} ms, p99 {pct(rt, 99):.2f} ms")
for form, times in wall.items():
    print(f"banyan status{form} wall time ({status_runs} runs): p50 {pct(times, 50):.0f} ms, p90 {pct(times, 90):.0f} ms, "
          f"min {min(times):.0f} ms, max {max(times):.0f} ms")
print(f"log throughput, {lines} lines of 75 bytes: banyan {lines / banyan_s:,.0f} lines/s (incl. JVM start), s6-log {lines / s6_s:,.0f} lines/s")
