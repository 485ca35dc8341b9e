"""Code that runs the same on Windows, macOS and Linux: text files opened with an explicit
encoding (the default is the locale's: cp1252 on a French Windows), POSIX-only calls kept in
the modules made for them, and the command importable where those calls do not exist."""

from __future__ import annotations

import ast
import doctest
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lib" / "civeval"

# Readers and writers of text whose encoding is otherwise the locale's.
_TEXT_METHODS = {"read_text": 0, "write_text": 1}  # name → position of a positional encoding
_OPENERS = {"open", "fdopen", "NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile"}

# Names that exist on POSIX only (Windows lacks them).
POSIX_ONLY = {
    "os": {"fork", "forkpty", "killpg", "setsid", "setpgid", "getpgid", "getpgrp", "waitid",
           "wait3", "wait4", "pidfd_open", "geteuid", "getuid", "getppid", "WNOHANG",
           "WNOWAIT", "WEXITED", "P_PID", "WIFSIGNALED", "WTERMSIG", "register_at_fork",
           "sched_getaffinity", "nice", "setuid", "setgid", "chown", "mkfifo"},
    "signal": {"SIGKILL", "SIGHUP", "SIGALRM", "SIGCHLD", "SIGQUIT", "SIGUSR1", "SIGUSR2",
               "SIGPIPE", "setitimer", "getitimer", "ITIMER_REAL", "alarm", "pthread_kill",
               "pthread_sigmask", "siginterrupt"},
}
POSIX_MODULES = {"fcntl", "resource", "pwd", "grp", "termios", "pty", "posix"}
# The modules that may use them, and why.
POSIX_ALLOWED = {
    "workbench/workers.py": "the fork pool, Linux only; the spare engine replaces it elsewhere",
    "workbench/processtree.py": "one branch per OS: process groups on POSIX, a job object on "
                                "Windows",
    "workbench/engine.py": "the per-cell limit uses SIGALRM when `hasattr(signal, 'setitimer')`; "
                           "without it the pool's timeout still applies",
    "workbench/locks.py": "flock on POSIX beside msvcrt.locking on Windows",
    "workbench/serve.py": "`civeval serve`, Linux only: `hand_over` and `serve` ask "
                          "`supported()` first, and a run elsewhere runs itself",
}


def _sources() -> list[tuple[str, ast.Module]]:
    """Every module of the package, and every doctest example in it, parsed."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        found.append((name, tree))
        parser = doctest.DocTestParser()
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                          | ast.AsyncFunctionDef) and (docstring := ast.get_docstring(node)):
                for example in parser.get_examples(docstring):
                    try:
                        found.append((f"{name} (doctest)", ast.parse(example.source)))
                    except SyntaxError:  # a continuation shown on its own
                        continue
    return found


def _imported_names(tree: ast.Module) -> set[str]:
    return {alias.asname or alias.name.partition(".")[0] for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names}


def _mode(call: ast.Call, position: int) -> str | None:
    """The mode a call opens with, when it is written as a literal."""
    for keyword in call.keywords:
        if keyword.arg == "mode":
            value = keyword.value
            return value.value if isinstance(value, ast.Constant) else None
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        return call.args[position].value
    return None


def _text_mode(mode: str | None) -> bool:
    """Text unless the mode says "b" (a mode that is not a literal is taken for text)."""
    return mode is None or "b" not in mode


def _opens_text_without_encoding(call: ast.Call, modules: set[str]) -> bool:
    function = call.func
    name = function.id if isinstance(function, ast.Name) else getattr(function, "attr", None)
    if any(keyword.arg == "encoding" for keyword in call.keywords):
        return False
    if isinstance(function, ast.Attribute) and name in _TEXT_METHODS:
        # Path.read_text / write_text; a module's own function of that name is not one.
        receiver = function.value
        if isinstance(receiver, ast.Name) and receiver.id in modules:
            return False
        return len(call.args) <= _TEXT_METHODS[name]
    if name not in _OPENERS:
        return False
    if name in ("open", "fdopen"):
        if not isinstance(function, ast.Attribute):
            return _text_mode(_mode(call, 1))  # open(file, mode)
        owner = function.value.id if isinstance(function.value, ast.Name) else None
        if owner == "os" and name == "open":
            return False  # a file descriptor: bytes
        if owner in ("os", "io", "codecs"):
            return _text_mode(_mode(call, 1))  # os.fdopen(fd, mode), io.open(file, mode)
        if owner in modules:
            return False  # Image.open, tarfile.open: their own, binary
        if call.args and not isinstance(call.args[0], ast.Constant):
            return False  # a member of an archive (archive.open(info)): bytes
        return _text_mode(_mode(call, 0))  # a Path's open(mode)
    mode = _mode(call, 0)  # temporary files: binary unless told otherwise
    return mode is not None and "b" not in mode


def test_every_text_file_the_package_opens_names_its_encoding():
    missing = []
    for name, tree in _sources():
        modules = _imported_names(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _opens_text_without_encoding(node, modules):
                missing.append(f"{name}:{node.lineno}: {ast.unparse(node)[:90]}")
    assert not missing, "text opened in the locale's encoding:\n" + "\n".join(missing)


def test_posix_only_calls_stay_in_the_modules_made_for_them():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if name in POSIX_ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.attr in POSIX_ONLY.get(node.value.id, ()):
                found.append(f"{name}:{node.lineno}: {node.value.id}.{node.attr}")
            elif isinstance(node, ast.Import | ast.ImportFrom):
                modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                           else [node.module or ""])
                found += [f"{name}:{node.lineno}: import {module}" for module in modules
                          if module.partition(".")[0] in POSIX_MODULES]
            elif isinstance(node, ast.Constant) and node.value in ("prctl", "pidfd_open"):
                found.append(f"{name}:{node.lineno}: {node.value}")
    assert not found, "POSIX-only calls outside the modules made for them:\n" + "\n".join(found)


# What Windows lacks, taken away before civeval's own modules are imported again (the
# libraries they use stay imported: the point is civeval's code, not theirs). fcntl stays: locks
# chooses flock or msvcrt by sys.platform, which remains "linux" here.
_WITHOUT_POSIX = """
import os, signal, sys
import civeval.cli, civeval.workbench.runner
from civeval.workbench import browser, locks, pools, processtree, spare, workers
for name in [name for name in sys.modules if name.partition(".")[0] == "civeval"]:
    del sys.modules[name]
for module, names in {posix_only!r}.items():
    for name in names:
        if hasattr(sys.modules[module], name):
            delattr(sys.modules[module], name)
for module in {posix_modules!r}:
    sys.modules[module] = None  # "import resource" now raises ImportError
import civeval.cli, civeval.workbench.runner
from civeval.workbench import browser, locks, pools, processtree, spare, workers
civeval.cli.parser().parse_args(["run", "--all", "--engine", "spare"])
print(pools.default_engine(), browser.find(platform="win32", environ={{}}))
"""


def test_the_command_imports_where_posix_only_calls_do_not_exist():
    script = _WITHOUT_POSIX.format(posix_only={k: sorted(v) for k, v in POSIX_ONLY.items()},
                                   posix_modules=sorted(POSIX_MODULES - {"fcntl"}))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          encoding="utf-8", env={"MPLBACKEND": "Agg", "PATH": ""}, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["fork", "None"]


def test_a_report_held_by_another_program_is_replaced_once_it_lets_go(tmp_path, monkeypatch):
    from civeval.workbench import atomic

    target = tmp_path / "index.html"
    target.write_text("ancien", encoding="utf-8")
    refusals = []
    replace = os.replace

    def held_twice(source, destination):
        if len(refusals) < 2:  # what Windows answers while a reader has the file open
            refusals.append(destination)
            raise PermissionError(13, "The process cannot access the file")
        replace(source, destination)

    monkeypatch.setattr(atomic.os, "replace", held_twice)
    monkeypatch.setattr(atomic, "RETRY_WHEN_HELD", True)
    atomic.write_text(target, "nouveau")
    assert target.read_text(encoding="utf-8") == "nouveau" and len(refusals) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]  # no temporary file left

    refusals.clear()
    monkeypatch.setattr(atomic, "RETRY_WHEN_HELD", False)  # elsewhere, a refusal is final
    with pytest.raises(PermissionError):
        atomic.write_text(target, "refusé")
    assert len(refusals) == 1 and target.read_text(encoding="utf-8") == "nouveau"


def test_civeval_demo_is_make_demo_without_make(monkeypatch, capsys, tmp_path):
    from civeval import cli

    args = cli.parser().parse_args(["demo", "--engine", "spare", "--jobs", "2"])
    assert (args.handler, args.all, args.studies, args.engine, args.jobs) == (
        cli.cmd_demo, True, [], "spare", 2)
    seen = []
    monkeypatch.setattr(cli, "cmd_run", lambda given: seen.append(given) or 0)
    monkeypatch.setenv("CIVEVAL_CHROMIUM", "")
    monkeypatch.setenv("PATH", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("PLAYWRIGHT_BROWSERS_PATH", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cli.main(["demo"]) == 0 and seen[0].all
    assert "playwright install chromium" in capsys.readouterr().err
