"""Process-table helpers: process tree, memory accounting and cleanup.

The driver makes itself a child subreaper, so every process a supervisor
starts stays a descendant of the driver even if its parent dies. "Nothing
left behind" then simply means: the driver has no descendants any more.
"""
import ctypes
import os
import signal
import time

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "prctl(PR_SET_CHILD_SUBREAPER): " + os.strerror(err))


def parent_map():
    """{pid: ppid} for every process, zombies included."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2:].split()
        table[int(entry)] = int(fields[1])
    return table


def descendants(root, table=None):
    """Pids below root (root itself excluded), parents before children."""
    table = parent_map() if table is None else table
    children = {}
    for pid, ppid in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(0), ()):
            found.append(child)
            todo.append(child)
    return found


def alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return False
    return data[data.rindex(b")") + 2:][:1] != b"Z"


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def cpu_seconds(pid):
    """CPU time of a process: its live threads (/proc/PID/task/*/schedstat,
    in ns) plus the children it has reaped (cutime + cstime, in ticks; this
    covers the helpers a launcher script ran before it exec'd)."""
    total = 0.0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0]) / 1e9
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return total
    fields = data[data.rindex(b")") + 2:].split()
    # fields[13] and [14] are cutime and cstime (stat fields 16 and 17)
    return total + (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def threads(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def smaps_rollup(pid):
    """(rss_kib, pss_kib) of one process, or None if it is gone."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    values[key] = int(rest.split()[0])
    except OSError:
        return None
    if "Rss" not in values:
        return None
    return values["Rss"], values.get("Pss", 0)


def reap():
    """Collect every exited child of the driver (orphans included)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def stop_tree(root, graceful=signal.SIGTERM, grace=10.0):
    """Stop a supervisor and everything it started; returns leftovers.

    First the supervisor's own way (graceful signal to the root), then
    SIGKILL for whatever is still there, supervisors before services.
    The returned list holds pids that survived (it should be empty).
    """
    me = os.getpid()
    _signal(root, graceful)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        reap()
        if not [p for p in descendants(me) if alive(p)]:
            return []
        time.sleep(0.02)
    for _ in range(50):
        reap()
        table = parent_map()
        left = [p for p in descendants(me, table) if alive(p)]
        if not left:
            return []
        # Parents first: a dead supervisor cannot respawn anything.
        for pid in left:
            _signal(pid, signal.SIGKILL)
        time.sleep(0.05)
    reap()
    return [p for p in descendants(me) if alive(p)]


def strays(program):
    """Live processes anywhere on the machine running `program`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and exe(int(entry)) == program and alive(int(entry)):
            found.append(int(entry))
    return found


def cgroup2_mounts():
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            if " - cgroup2 " in line:
                mounts.append(fields[4].replace("\\040", " "))
    return mounts


def remove_cgroups(name):
    """Removes the (empty) cgroup tree <cgroup2 mount>/<name>, leaves first.
    Returns how many cgroups there were; 0 if there was none."""
    found = 0
    for mount in cgroup2_mounts():
        top = os.path.join(mount, name)
        if not os.path.isdir(top):
            continue
        for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
            found += 1
            for _ in range(50):  # an emptied cgroup can stay busy for a moment
                try:
                    os.rmdir(dirpath)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
    return found
