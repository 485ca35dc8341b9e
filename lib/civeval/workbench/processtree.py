"""Processes that can be killed together with everything they started, on every OS.

:func:`start` starts a command in a group of its own: a new session on POSIX (so a Ctrl-C
typed in the terminal reaches the parent only, and ``killpg`` reaches the whole group), a new
process group tied to a *job object* on Windows (Ctrl-C is not delivered to a new process
group; every process the child starts joins its job, and the job dies with the parent's
handle on it, even when the parent is killed outright). :meth:`Tree.kill` then ends the child
and what it started: the group or the job, and every descendant still linked to it (found
with psutil, which also catches those that left the group with ``setsid``).

Limitations
-----------
* POSIX: a process that leaves the group *and* loses its parent (a daemon started by a
  process that then exits) is not linked to the tree any more and escapes. Linux's fork pool
  (:mod:`civeval.workbench.workers`) catches these too, as a subreaper.
* The Windows branch (job object through ``ctypes``) is written to the Win32 documentation
  but is not exercised by the test suite, which runs on Linux.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import psutil

__all__ = ["Tree", "end_descendants", "exited", "peak_memory", "start"]

_WINDOWS = sys.platform == "win32"
# How long a task's leftovers get to die once killed, before they are left to their fate.
_DEATH_SECONDS = 2.0


class Tree:
    """A started process and the group (POSIX) or job (Windows) holding what it starts.

    Attributes
    ----------
    process : subprocess.Popen
        The child itself.
    """

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self._job = _WindowsJob(process) if _WINDOWS else None

    def kill(self) -> None:
        """Kill the child, its group or job and every descendant still linked to it.

        Call it before reaping the child (:meth:`subprocess.Popen.wait`): until then its
        group id cannot be taken by another process. Idempotent.
        """
        pid = self.process.pid
        try:
            below = psutil.Process(pid).children(recursive=True)
        except psutil.Error:  # gone, or a zombie whose children moved on
            below = []
        if self._job is not None:
            self._job.terminate()
        elif self.process.returncode is None:  # not reaped yet: the group id is still ours
            _kill_group(pid)
        for process in below:
            with contextlib.suppress(psutil.Error):
                process.kill()

    def close(self) -> None:
        """Kill the tree, reap the child and release the job."""
        self.kill()
        self.process.wait()
        if self._job is not None:
            self._job.close()


def start(command: list[str], **options) -> Tree:
    """Start ``command`` (:class:`subprocess.Popen` ``options``) in a group of its own."""
    if _WINDOWS:
        options["creationflags"] = (options.get("creationflags", 0)
                                    | subprocess.CREATE_NEW_PROCESS_GROUP)
    else:
        options["start_new_session"] = True
    return Tree(subprocess.Popen(command, **options))


def exited(process: subprocess.Popen) -> bool:
    """Whether the child has exited, without reaping it on POSIX (its group id stays
    reserved, so :meth:`Tree.kill` cannot hit a stranger that took the number)."""
    if process.returncode is not None:
        return True
    wait = getattr(os, "waitid", None)
    if wait is None or _WINDOWS:
        return process.poll() is not None
    try:
        return wait(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped by someone else: nothing left to wait for
        return True


def end_descendants() -> None:
    """Kill every process below this one (what a task left running) and wait for them."""
    below = psutil.Process().children(recursive=True)
    for process in below:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(below, timeout=_DEATH_SECONDS)


def peak_memory() -> int:
    """This process's peak resident memory, in bytes (0 where the OS does not say)."""
    if _WINDOWS:
        return getattr(psutil.Process().memory_info(), "peak_wset", 0)
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere


def _kill_group(pid: int) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


class _WindowsJob:
    """A job object that holds the child and everything it starts, killed on close."""

    # JOBOBJECT_EXTENDED_LIMIT_INFORMATION's class and its "kill on job close" flag.
    _EXTENDED_LIMITS = 9
    _KILL_ON_JOB_CLOSE = 0x2000

    def __init__(self, process: subprocess.Popen) -> None:
        import ctypes
        from ctypes import wintypes

        class Basic(ctypes.Structure):
            _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                        ("PerJobUserTimeLimit", ctypes.c_int64),
                        ("LimitFlags", wintypes.DWORD),
                        ("MinimumWorkingSetSize", ctypes.c_size_t),
                        ("MaximumWorkingSetSize", ctypes.c_size_t),
                        ("ActiveProcessLimit", wintypes.DWORD),
                        ("Affinity", ctypes.c_size_t),
                        ("PriorityClass", wintypes.DWORD),
                        ("SchedulingClass", wintypes.DWORD)]

        class Extended(ctypes.Structure):
            _fields_ = [("BasicLimitInformation", Basic),
                        ("IoInfo", ctypes.c_uint64 * 6),
                        ("ProcessMemoryLimit", ctypes.c_size_t),
                        ("JobMemoryLimit", ctypes.c_size_t),
                        ("PeakProcessMemoryUsed", ctypes.c_size_t),
                        ("PeakJobMemoryUsed", ctypes.c_size_t)]

        kernel = self._kernel = ctypes.WinDLL("kernel32", use_last_error=True)
        # Handles are pointer-sized: without argtypes, ctypes would pass them as C ints.
        kernel.CreateJobObjectW.restype = wintypes.HANDLE
        kernel.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
        kernel.SetInformationJobObject.argtypes = [wintypes.HANDLE, ctypes.c_int,
                                                   ctypes.c_void_p, wintypes.DWORD]
        kernel.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
        kernel.TerminateJobObject.argtypes = [wintypes.HANDLE, wintypes.UINT]
        kernel.CloseHandle.argtypes = [wintypes.HANDLE]
        self._handle = kernel.CreateJobObjectW(None, None)
        if not self._handle:
            raise ctypes.WinError(ctypes.get_last_error())
        limits = Extended()
        limits.BasicLimitInformation.LimitFlags = self._KILL_ON_JOB_CLOSE
        # The child has not run a task yet (it waits for one on its stdin): nothing it could
        # start escapes the job between its creation and this assignment.
        if not (kernel.SetInformationJobObject(self._handle, self._EXTENDED_LIMITS,
                                               ctypes.byref(limits), ctypes.sizeof(limits))
                and kernel.AssignProcessToJobObject(self._handle, int(process._handle))):
            error = ctypes.WinError(ctypes.get_last_error())
            self.close()
            raise error

    def terminate(self) -> None:
        if self._handle:
            self._kernel.TerminateJobObject(self._handle, 1)

    def close(self) -> None:
        if self._handle:
            self._kernel.CloseHandle(self._handle)
            self._handle = None
