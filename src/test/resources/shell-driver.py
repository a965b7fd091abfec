# A real terminal for `banyan shell`: runs the client on a pty of its own (pty.fork) and types
# into it. Prints "ok STEP" per step, "session ID" once known, and exits with the client's code.
# Usage: shell-driver.py first CMD... | shell-driver.py again CMD...
import os, pty, re, sys, time, fcntl, termios, struct

phase, cmd = sys.argv[1], sys.argv[2:]
seen = b""

def winsize(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

def expect(fd, pattern, timeout=20.0):
    global seen
    end = time.time() + timeout
    rx = re.compile(pattern.encode())
    while time.time() < end:
        m = rx.search(seen)
        if m:
            seen = seen[m.end():]
            return m
        try:
            import select
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                data = os.read(fd, 65536)
                if not data:
                    break
                seen += data
        except OSError:
            break
    sys.stdout.write("timeout waiting for %r; the terminal showed: %r\n" % (pattern, seen[-2000:]))
    sys.stdout.flush()
    sys.exit(90)

def ok(step):
    print("ok " + step, flush=True)

pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
winsize(fd, 40, 100)  # before the client asks for it (it starts in a JVM: hundreds of ms)

if phase == "first":
    m = expect(fd, r"session ([0-9a-f]{8});")
    print("session " + m.group(1).decode(), flush=True)
    expect(fd, r"ps1> ")
    os.write(fd, b"stty size\r")
    expect(fd, r"40 100")
    ok("size")
    for attempt in range(50):  # SIGWINCH reaches the client, which tells banyan: no fixed wait for it
        winsize(fd, 50, 120)
        os.write(fd, b"stty size\r")
        m = expect(fd, r"(\d+ \d+)\r?\n")
        if m.group(1) == b"50 120":
            break
        time.sleep(0.1)
    else:
        sys.exit(91)
    ok("resize")
    expect(fd, r"ps1> ")
    os.write(fd, b"sleep 100\r")
    time.sleep(0.5)
    os.write(fd, b"\x03")
    expect(fd, r"ps1> ")
    os.write(fd, b"echo rc=$?\r")
    expect(fd, r"rc=130")
    ok("ctrl-c")
    expect(fd, r"ps1> ")
    os.write(fd, b"sleep 100\r")
    time.sleep(0.5)
    os.write(fd, b"\x1a")
    expect(fd, r"[Ss]topped")
    os.write(fd, b"kill -9 %1\r")
    expect(fd, r"ps1> ")
    ok("ctrl-z")
    os.write(fd, b"echo marker-$((6*7))\r")
    expect(fd, r"marker-42")
    expect(fd, r"ps1> ")
    os.write(fd, b"\x1d")
    expect(fd, r"detached from session")
    ok("detach")
elif phase == "again":
    expect(fd, r"attached to session")
    expect(fd, r"marker-42")  # the scrollback, from before the detach
    ok("scrollback")
    os.write(fd, b"echo both-$((1+1))\r")
    expect(fd, r"both-2")
    ok("typed")
    os.write(fd, b"exit 5\r")

_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
print("exit %d" % code, flush=True)
sys.exit(0)
