"""What machine and which versions the numbers come from."""
import glob
import os
import platform
import re
import subprocess
import time


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    try:
        with open("/etc/debian_version") as f:
            debian = f.read().strip()
    except OSError:
        debian = "?"
    return {"cpus": os.cpu_count(), "cpu": model, "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
            "kernel": platform.release(), "debian": debian, "jdk": jdk()}


def jdk():
    """The JDK the banyan launcher would pick (first one >= 25)."""
    homes = [os.environ.get("BANYAN_JAVA_HOME"), os.environ.get("JAVA_HOME")]
    for home in homes + sorted(glob.glob("/usr/lib/jvm/*")):
        try:
            with open(os.path.join(home or "", "release")) as f:
                release = f.read()
        except OSError:
            continue
        version = re.search(r'^JAVA_RUNTIME_VERSION="([^"]+)"', release, re.M)
        major = re.search(r'^JAVA_VERSION="(\d+)', release, re.M)
        vendor = re.search(r'^IMPLEMENTOR="([^"]+)"', release, re.M)
        if major and int(major.group(1)) >= 25:
            return f"{vendor.group(1) if vendor else ''} {version.group(1) if version else major.group(1)}".strip()
    return "none"


def banyan_build(launcher):
    """Which banyan was measured: the commit and when its jar was built."""
    home = os.path.dirname(os.path.abspath(launcher))
    try:
        commit = subprocess.run(["git", "-C", home, "log", "-1", "--format=%h %cd",
                                 "--date=format:%Y-%m-%d %H:%M"],
                                capture_output=True, text=True).stdout.strip() or "?"
    except OSError:
        commit = "?"
    jar = os.path.join(home, "target", "banyan.jar")
    try:
        built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.stat(jar).st_mtime))
    except OSError:
        built = "not built"
    return f"commit {commit}, jar built {built}"


def versions():
    out = {}
    for pkg in ("s6", "runit", "supervisor"):
        try:
            out[pkg] = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg],
                                      capture_output=True, text=True).stdout.strip() or "?"
        except OSError:
            out[pkg] = "?"
    return out
