#!/usr/bin/env python3
"""Runs a command on a real pseudo-terminal and follows a script of expectations and keystrokes.

usage: pty-drive.py TRANSCRIPT SCRIPT.json -- COMMAND...
The script is a list of steps: ["expect", TEXT, SECONDS] waits for TEXT in the output after the
last match; ["send", TEXT] types TEXT; ["run", ARGV, FILE] runs ARGV
and keeps its output in FILE; ["wait", SECONDS] waits for the command to exit.
Exit 0 when every step held (and the command's code is printed), 1 with the reason otherwise.
"""
import json, os, pty, select, signal, subprocess, sys, time

transcript, script = sys.argv[1], json.load(open(sys.argv[2]))
command = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

out = b""
seen = 0  # matches are looked for after the end of the previous one


def pump(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if not r:
        return True
    try:
        data = os.read(fd, 65536)
    except OSError:  # EIO: the command closed the terminal
        return False
    if not data:
        return False
    out += data
    with open(transcript, "wb") as f:
        f.write(out)
    return True


def end(code, why):
    """SIGTERM first, so that a banyan stops its services; SIGKILL if it is still there after 20 s."""
    if why:
        print(why)
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.time() + 20
        while time.time() < deadline and os.waitpid(pid, os.WNOHANG)[0] == 0:
            pump(0.1)
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, ChildProcessError):
        pass
    sys.exit(code)


for step in script:
    if step[0] == "expect":
        text, deadline = step[1].encode(), time.time() + step[2]
        while out.find(text, seen) < 0:
            if time.time() > deadline or not pump(0.1) and out.find(text, seen) < 0:
                end(1, "did not see %r within %ss" % (step[1], step[2]))
        seen = out.find(text, seen) + len(text)
    elif step[0] == "send":
        time.sleep(0.05)  # the prompt is on screen before the line that answers it is typed
        os.write(fd, step[1].encode())
    elif step[0] == "run":  # ["run", ARGV, FILE]: runs a command beside it, its stdout into FILE
        r = subprocess.run(step[1], stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        with open(step[2], "wb") as f:
            f.write(r.stdout)
    elif step[0] == "wait":
        deadline = time.time() + step[1]
        while time.time() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                while pump(0.05):
                    pass
                print("exit %d" % os.waitstatus_to_exitcode(status))
                sys.exit(0)
            pump(0.1)
        end(1, "the command did not exit within %ss" % step[1])
print("done")
end(0, None)
