"""One class per supervisor: how to lay out N services and start/stop it.

Every stack runs N copies of bench/pause.c, service i writing its stamps to
<workdir>/stamps/s<i>. The supervisor is started as a child of the driver in
its own session; stop() brings the whole tree down and checks nothing is left.
"""
import json
import os
import shutil
import signal
import subprocess
import time

from . import procs
from .stamps import StampDir

BANYAN = os.environ.get("BANYAN") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "banyan")


class StackError(Exception):
    pass


class Stack:
    peer = "?"
    stop_signal = signal.SIGTERM
    stop_grace = 10.0  # seconds for the supervisor's own shutdown, then SIGKILL

    def __init__(self, workdir, pause, n):
        self.dir = workdir
        self.pause = pause
        self.names = [f"s{i:04d}" for i in range(n)]
        os.makedirs(workdir)
        self.stamps = StampDir(os.path.join(workdir, "stamps"))
        self.log = os.path.join(workdir, "supervisor.log")
        self.proc = None
        self.launched_ns = None

    # -- to be provided by each peer
    def prepare(self):
        raise NotImplementedError

    def argv(self):
        raise NotImplementedError

    def env(self):
        return dict(os.environ)

    # -- common part
    def start(self):
        self.prepare()
        # Let the configuration age past the current second: runsvdir ignores
        # a directory whose mtime is "now" for one second (to avoid races), and
        # on a real system the configuration is never that fresh.
        time.sleep(1.1)
        argv, env = self.argv(), self.env()
        with open(self.log, "wb") as log:
            self.launched_ns = time.monotonic_ns()
            self.proc = subprocess.Popen(argv, cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def wait_up(self, timeout, interval=0.005):
        """Wait until every service has started at least once."""
        deadline = time.monotonic() + timeout
        want = len(self.names)
        while self.stamps.count() < want or not all(map(self.stamps.first, self.names)):
            if self.proc.poll() is not None:
                raise StackError(f"{self.peer} exited with {self.proc.returncode}: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise StackError(f"{self.peer}: only {self.stamps.count()}/{want} services up "
                                 f"after {timeout:.0f} s: {self.log_tail()}")
            time.sleep(interval)

    def supervisor_pids(self):
        """The supervisor's own processes: the root and every descendant
        that is not a supervised program."""
        root = self.proc.pid
        own = [root] if procs.alive(root) else []
        for pid in procs.descendants(root):
            if procs.alive(pid) and procs.exe(pid) != self.pause:
                own.append(pid)
        return own

    def stop(self):
        if self.proc is None:
            return
        left = procs.stop_tree(self.proc.pid, self.stop_signal, self.stop_grace)
        self.proc.poll()
        strays = procs.strays(self.pause)
        if left or strays:
            raise StackError(f"{self.peer}: processes left after stop: {sorted(set(left + strays))}")

    def log_tail(self, size=600):
        try:
            with open(self.log, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        return data[-size:].decode(errors="replace").strip() or "(no output)"

    def _service_dirs(self, parent):
        """s6/runit layout: parent/<name>/run is the pause binary itself (no
        shell in between) and parent/<name>/stamp points to the stamp file."""
        for name in self.names:
            d = os.path.join(parent, name)
            os.makedirs(d)
            os.symlink(self.pause, os.path.join(d, "run"))
            os.symlink(self.stamps.file(name), os.path.join(d, "stamp"))


class Baseline(Stack):
    """bench/baseline.c: wait() + fork() + exec(), nothing else. A yardstick,
    not a supervisor one would deploy."""
    peer = "baseline"

    def prepare(self):
        pass

    def argv(self):
        return [os.environ["BENCH_BASELINE"], str(len(self.names)), self.pause, self.stamps.path]


class Banyan(Stack):
    peer = "banyan"

    def prepare(self):
        self.config = os.path.join(self.dir, "banyan.toml")
        with open(self.config, "w") as f:
            for name in self.names:
                command = json.dumps([self.pause, self.stamps.file(name)])  # valid TOML too
                f.write(f"[service.{name}]\ncommand = {command}\n\n")

    def argv(self):
        # A control socket of its own: two banyans side by side (or one already
        # running on the machine) would otherwise both claim the default one.
        return [BANYAN, "up", "-f", self.config, "--control", os.path.join(self.dir, "control.sock")]

    def env(self):
        env = dict(os.environ)
        # Built by warm_up_banyan(); an installed banyan has no build step either.
        env["BANYAN_NO_BUILD"] = "1"
        return env


    def stop(self):
        """Also removes the cgroups banyan leaves behind (reported, see
        cgroups_left) so that runs do not pile them up on the machine."""
        pid = self.proc.pid if self.proc else None
        try:
            super().stop()
        finally:
            if pid:
                left = procs.remove_cgroups(f"banyan-{pid}")
                if left:
                    CGROUPS_LEFT.append(left)


CGROUPS_LEFT = []  # per banyan run: cgroups found after banyan had exited


class BanyanNoCgroup(Banyan):
    """Diagnostic, not in the default set: banyan in a private mount namespace
    where no cgroup2 hierarchy is mounted, so it runs services without a cgroup
    of their own (and without the banyan-exec step). The difference to the
    banyan row is what per-service cgroups cost."""
    peer = "banyan-nocgroup"
    UNMOUNT = ("awk '$0 ~ / - cgroup2 / {print $5}' /proc/self/mountinfo | "
               "while read -r m; do umount -l \"$m\"; done; exec \"$@\"")

    def argv(self):
        return ["unshare", "-m", "--propagation", "private", "sh", "-c", self.UNMOUNT, "sh"] \
            + super().argv()


class BanyanProcs(Banyan):
    """Diagnostic, not in the default set: banyan with clone3 into cgroups turned
    off (-Dbanyan.cloneIntoCgroup=false), so each service is spawned outside its
    cgroup and moved there by banyan-exec writing cgroup.procs, as banyan did
    before it used CLONE_INTO_CGROUP. The difference to the banyan row is what
    that migration costs."""
    peer = "banyan-procs"

    def env(self):
        env = super().env()
        env["BANYAN_JAVA_OPTS"] = (env.get("BANYAN_JAVA_OPTS", "") + " -Dbanyan.cloneIntoCgroup=false").strip()
        return env


class S6(Stack):
    peer = "s6"

    def prepare(self):
        self.scandir = os.path.join(self.dir, "scan")
        self._service_dirs(self.scandir)

    def argv(self):
        # -c: room for every service.
        return ["s6-svscan", "-c", str(max(1000, 2 * len(self.names))), self.scandir]


class Runit(Stack):
    peer = "runit"
    stop_signal = signal.SIGHUP  # runsvdir: HUP = TERM every runsv, then exit
    stop_grace = 2.0  # some runsv linger after that; the rest is SIGKILLed

    def prepare(self):
        self.svdir = os.path.join(self.dir, "service")
        self._service_dirs(self.svdir)

    def argv(self):
        return ["runsvdir", self.svdir]


class Supervisord(Stack):
    peer = "supervisord"
    startsecs = int(os.environ.get("BENCH_SUPERVISORD_STARTSECS", "1"))
    logfile = os.environ.get("BENCH_SUPERVISORD_LOG", "AUTO")

    def prepare(self):
        self.config = os.path.join(self.dir, "supervisord.conf")
        fds = 4 * len(self.names) + 1024
        with open(self.config, "w") as f:
            f.write("[supervisord]\nnodaemon=true\n"
                    f"logfile={self.dir}/supervisord.log\npidfile={self.dir}/supervisord.pid\n"
                    f"childlogdir={self.dir}\nminfds={fds}\nminprocs={len(self.names) + 512}\n\n")
            for name in self.names:
                f.write(f"[program:{name}]\ncommand={self.pause} {self.stamps.file(name)}\n"
                        f"autorestart=true\nstartsecs={self.startsecs}\n"
                        f"stdout_logfile={self.logfile}\nstderr_logfile={self.logfile}\n\n")

    def argv(self):
        return ["/usr/bin/supervisord", "-n", "-c", self.config]


PEERS = {cls.peer: cls for cls in (Banyan, BanyanNoCgroup, BanyanProcs, S6, Runit, Supervisord, Baseline)}


def snapshot_banyan(dest):
    """Copy the launcher and its build output (the files directly in target/,
    such as the jar and banyan-exec, and target/lib) to dest and measure that
    copy from then on, so that a rebuild in the working tree during the run
    cannot change or break what is being measured."""
    global BANYAN
    target = os.path.join(os.path.dirname(os.path.abspath(BANYAN)), "target")
    os.makedirs(os.path.join(dest, "target"))
    shutil.copy2(BANYAN, os.path.join(dest, "banyan"))
    shutil.copytree(os.path.join(target, "lib"), os.path.join(dest, "target", "lib"))
    for entry in os.scandir(target):
        if entry.is_file():
            shutil.copy2(entry.path, os.path.join(dest, "target", entry.name))
    BANYAN = os.path.join(dest, "banyan")


def warm_up_banyan(workdir, pause, timeout=900):
    """Build banyan if needed and run one service with it once.
    Returns None when banyan works, else a short reason."""
    stack = Banyan(workdir, pause, 1)
    stack.env = lambda: dict(os.environ)  # building allowed here
    reason = None
    try:
        stack.start()
        stack.wait_up(timeout)
    except (StackError, OSError) as e:
        reason = str(e)
    try:
        stack.stop()
    except StackError as e:
        reason = reason or str(e)
    return reason
