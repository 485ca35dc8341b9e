"""The browser that prints the PDF: Chrome, Chromium or Edge, wherever each OS installs it.

In order: the path in ``CIVEVAL_CHROMIUM``; a browser on the ``PATH`` under one of its usual
command names (what Linux packages install); the places the Windows and macOS installers
use (``Program Files`` and ``%LOCALAPPDATA%``; ``/Applications`` and ``~/Applications``);
finally the Chromium that ``python -m playwright install chromium`` downloads into its cache
(``%LOCALAPPDATA%\\ms-playwright``, ``~/Library/Caches/ms-playwright``,
``~/.cache/ms-playwright``, or ``PLAYWRIGHT_BROWSERS_PATH``), the newest revision first.
Chrome comes before Chromium, then Edge, which every Windows 10 and 11 machine has.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["ENVIRONMENT", "MISSING", "candidates", "find"]

ENVIRONMENT = "CIVEVAL_CHROMIUM"
MISSING = ("no Chrome, Chromium or Edge found to print the PDF with (install one, run "
           f"`python -m playwright install chromium`, or set {ENVIRONMENT} to its path)")

# Command names of the Linux packages (and of what a user may put on the PATH elsewhere).
COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome",
            "microsoft-edge", "microsoft-edge-stable", "msedge")
_WINDOWS_INSTALLS = (("Google", "Chrome", "Application", "chrome.exe"),
                     ("Chromium", "Application", "chrome.exe"),
                     ("Microsoft", "Edge", "Application", "msedge.exe"))
_MACOS_APPS = ("Google Chrome", "Chromium", "Microsoft Edge")
# Playwright's Chromium builds, by OS: old and new folder layouts.
_PLAYWRIGHT_BUILDS = {"win32": ("chrome-win*/chrome.exe",),
                      "darwin": ("chrome-mac*/*.app/Contents/MacOS/*",),
                      "linux": ("chrome-linux*/chrome",)}


def find(platform: str | None = None, environ: Mapping[str, str] | None = None) -> str | None:
    """The browser to print with, or None when there is none.

    Parameters
    ----------
    platform : str, optional
        ``sys.platform`` by default (``"win32"``, ``"darwin"``, ``"linux"``…).
    environ : mapping, optional
        ``os.environ`` by default: ``CIVEVAL_CHROMIUM``, ``PATH``, where the OS installs
        programs and where Playwright keeps its browsers.

    Returns
    -------
    str or None
        ``CIVEVAL_CHROMIUM`` as given (a wrong path then fails when printing, saying so);
        otherwise the first executable found among :func:`candidates`.
    """
    environ = os.environ if environ is None else environ
    if explicit := environ.get(ENVIRONMENT):
        return explicit
    return next(map(str, candidates(platform, environ)), None)


def candidates(platform: str | None = None,
               environ: Mapping[str, str] | None = None) -> Iterator[Path]:
    """Every browser found, in the order :func:`find` prefers them (``CIVEVAL_CHROMIUM``
    aside)."""
    platform = sys.platform if platform is None else platform
    environ = os.environ if environ is None else environ
    for command in COMMANDS:
        if found := shutil.which(command, path=environ.get("PATH", "")):
            yield Path(found)
    for path in _installed(platform, environ):
        if path.is_file():
            yield path
    yield from _playwright(platform, environ)


def _installed(platform: str, environ: Mapping[str, str]) -> Iterator[Path]:
    if platform == "win32":
        roots = [environ[name] for name in ("PROGRAMFILES", "PROGRAMFILES(X86)", "LOCALAPPDATA")
                 if environ.get(name)]
        for parts in _WINDOWS_INSTALLS:
            for root in roots:
                yield Path(root, *parts)
    elif platform == "darwin":
        roots = [Path("/Applications")]
        if home := environ.get("HOME"):
            roots.append(Path(home, "Applications"))
        for app in _MACOS_APPS:
            for root in roots:
                yield root / f"{app}.app" / "Contents" / "MacOS" / app


def _playwright(platform: str, environ: Mapping[str, str]) -> Iterator[Path]:
    cache = _playwright_cache(platform, environ)
    if cache is None or not cache.is_dir():
        return
    system = "linux" if platform.startswith("linux") else platform
    builds = sorted(cache.glob("chromium-*"), key=_revision, reverse=True)
    for build in builds:
        for pattern in _PLAYWRIGHT_BUILDS.get(system, ()):
            yield from sorted(path for path in build.glob(pattern) if path.is_file())


def _playwright_cache(platform: str, environ: Mapping[str, str]) -> Path | None:
    if (chosen := environ.get("PLAYWRIGHT_BROWSERS_PATH")) and chosen != "0":
        return Path(chosen)
    home = environ.get("USERPROFILE" if platform == "win32" else "HOME")
    if platform == "win32":
        local = environ.get("LOCALAPPDATA") or (home and str(Path(home, "AppData", "Local")))
        return Path(local, "ms-playwright") if local else None
    if platform == "darwin":
        return Path(home, "Library", "Caches", "ms-playwright") if home else None
    cache = environ.get("XDG_CACHE_HOME") or (home and str(Path(home, ".cache")))
    return Path(cache, "ms-playwright") if cache else None


def _revision(build: Path) -> int:
    found = re.search(r"(\d+)$", build.name)
    return int(found.group(1)) if found else -1
