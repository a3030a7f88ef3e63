#!/usr/bin/env python3
# pty-session.py [STEP...] -- COMMAND...: runs COMMAND under a pseudo-terminal,
# as a person at a terminal would, and prints everything it wrote (the
# transcript); exits with COMMAND's exit status, or 99 when a step timed out.
# Steps, in order: "expect:TEXT" waits for TEXT, "send:LINE" types LINE and
# Enter, "eof" types Ctrl-D, "intr" types Ctrl-C, "hangup" closes the
# terminal (as a dropped ssh session does: SIGHUP), the last step.  Used by
# the tests of --debug-on-failure and provium shell.
import os
import pty
import select
import sys
import time

TIMEOUT = 300

split = sys.argv.index("--")
steps, argv = sys.argv[1:split], sys.argv[split + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)

seen = b""       # everything, for the transcript
pending = b""    # what the next expect searches


def read_some(deadline):
    global seen, pending
    r, _, _ = select.select([fd], [], [], max(0, deadline - time.time()))
    if not r:
        return False
    try:
        data = os.read(fd, 4096)
    except OSError:
        data = b""
    if not data:
        return None
    seen += data
    pending += data
    return True


def finish(code):
    sys.stdout.write(seen.decode(errors="replace"))
    sys.stdout.flush()
    sys.exit(code)


for step in steps:
    if step.startswith("expect:"):
        text = step[len("expect:"):].encode()
        deadline = time.time() + TIMEOUT
        while text not in pending:
            got = read_some(deadline)
            if not got:
                sys.stderr.write("pty-session: %r not seen\n" % text)
                os.kill(pid, 15)
                finish(99)
        pending = pending[pending.index(text) + len(text):]
    elif step.startswith("send:"):
        os.write(fd, step[len("send:"):].encode() + b"\n")
    elif step == "eof":
        os.write(fd, b"\x04")
    elif step == "intr":
        os.write(fd, b"\x03")
    elif step == "hangup":
        os.close(fd)
        fd = None
        break
    else:
        sys.exit("pty-session: unknown step %r" % step)

while fd is not None and read_some(time.time() + TIMEOUT):
    pass
deadline = time.time() + TIMEOUT
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.time() > deadline:
        sys.stderr.write("pty-session: the command did not end\n")
        os.kill(pid, 9)
        finish(99)
    time.sleep(0.1)
finish(os.waitstatus_to_exitcode(status))
