"""Stamp files written by bench/pause.c, and a way to wait for new ones.

Every start of a service appends "<pid> <monotonic ns> <realtime ns>" to
stamps/<service>. The driver uses CLOCK_MONOTONIC on both sides
(time.monotonic_ns() is CLOCK_MONOTONIC on Linux).
"""
import ctypes
import os
import select
from collections import namedtuple

Stamp = namedtuple("Stamp", "pid mono real")

IN_MODIFY = 0x002
IN_CREATE = 0x100
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000


def _parse(data):
    stamps = []
    for line in data.split(b"\n")[:-1]:  # only complete lines
        pid, mono, real = line.split()
        stamps.append(Stamp(int(pid), int(mono), int(real)))
    return stamps


class StampDir:
    def __init__(self, path):
        self.path = path
        os.makedirs(path, exist_ok=True)

    def file(self, name):
        return os.path.join(self.path, name)

    def all(self, name):
        try:
            with open(self.file(name), "rb") as f:
                return _parse(f.read())
        except FileNotFoundError:
            return []

    def last(self, name):
        stamps = self.all(name)
        return stamps[-1] if stamps else None

    def first(self, name):
        stamps = self.all(name)
        return stamps[0] if stamps else None

    def count(self):
        """Number of services that have started at least once."""
        return len(os.listdir(self.path))


class Watcher:
    """inotify on a stamp directory: wait() returns when something was written."""

    def __init__(self, path):
        self._libc = ctypes.CDLL(None, use_errno=True)
        self.fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        wd = self._libc.inotify_add_watch(self.fd, os.fsencode(path), IN_MODIFY | IN_CREATE)
        if wd < 0:
            raise OSError(ctypes.get_errno(), "inotify_add_watch")

    def wait(self, timeout):
        """Block until an event arrives (or timeout); then drain the queue."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if ready:
            try:
                while os.read(self.fd, 65536):
                    pass
            except BlockingIOError:
                pass

    def close(self):
        os.close(self.fd)
