"""Locks held by a process: released when it ends, whatever its forked children do."""

import contextlib
import os
import signal
import subprocess
import sys

import pytest

from civeval.workbench.locks import HeldLock, Locked, holder_details

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a child")

HOLDER = """\
import os, pathlib, sys, time
from civeval.workbench.locks import HeldLock
held = HeldLock(pathlib.Path(sys.argv[1]))
if os.fork() == 0:  # a child that outlives its parent, as a served run may
    held.release()  # neither unlocks nor removes the parent's file
    os.write(1, b"child\\n")  # one write each: the two lines must not interleave
    time.sleep(120)
    os._exit(0)
os.write(1, b"held\\n")
time.sleep(120)
"""


def test_a_lock_ends_with_its_holder_though_a_child_it_forked_lives_on(tmp_path):
    path = tmp_path / "server.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)],
                              stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert {holder.stdout.readline(), holder.stdout.readline()} == {b"held\n", b"child\n"}
        # The child's release left the holder's lock and file alone.
        with pytest.raises(Locked) as refused:
            HeldLock(path)
        assert f"pid {holder.pid} " in refused.value.holder
        assert holder_details(path)["pid"] == holder.pid
        holder.kill()  # as a server killed outright, its served run still going
        holder.wait(timeout=30)
        with HeldLock(path) as taken:
            assert holder_details(taken.path)["pid"] == os.getpid()
        assert not path.exists()
    finally:
        holder.kill()
        holder.stdout.close()
        with contextlib.suppress(ProcessLookupError):  # the child, in the holder's session
            os.killpg(holder.pid, signal.SIGKILL)
