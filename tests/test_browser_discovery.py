"""Finding the browser that prints the PDF, as each OS installs it (fake PATHs and folders)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from civeval.workbench import browser


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def test_linux_finds_a_package_by_its_command_name_on_the_path(tmp_path):
    bin_dir = tmp_path / "bin"
    chromium = executable(bin_dir / "chromium-browser")
    environ = {"PATH": f"{tmp_path / 'empty'}{os.pathsep}{bin_dir}", "HOME": str(tmp_path)}
    assert browser.find("linux", environ) == str(chromium)
    # Chrome's package name comes after Chromium's.
    executable(bin_dir / "google-chrome")
    assert browser.find("linux", environ) == str(chromium)


def test_civeval_chromium_wins_over_everything(tmp_path):
    executable(tmp_path / "bin" / "chromium")
    environ = {"PATH": str(tmp_path / "bin"), browser.ENVIRONMENT: "/opt/mon-chrome/chrome"}
    assert browser.find("linux", environ) == "/opt/mon-chrome/chrome"


def test_windows_finds_chrome_then_chromium_then_edge_where_installers_put_them(tmp_path):
    environ = {"PATH": "", "PROGRAMFILES": str(tmp_path / "Program Files"),
               "PROGRAMFILES(X86)": str(tmp_path / "Program Files (x86)"),
               "LOCALAPPDATA": str(tmp_path / "AppData" / "Local")}
    assert browser.find("win32", environ) is None
    edge = executable(tmp_path / "Program Files (x86)" / "Microsoft" / "Edge" / "Application"
                      / "msedge.exe")
    assert browser.find("win32", environ) == str(edge)
    chromium = executable(tmp_path / "AppData" / "Local" / "Chromium" / "Application"
                          / "chrome.exe")
    assert browser.find("win32", environ) == str(chromium)
    chrome = executable(tmp_path / "AppData" / "Local" / "Google" / "Chrome" / "Application"
                        / "chrome.exe")  # installed for the user only
    assert browser.find("win32", environ) == str(chrome)


def test_macos_finds_an_application_bundle(tmp_path):
    environ = {"PATH": "", "HOME": str(tmp_path)}
    edge = executable(tmp_path / "Applications" / "Microsoft Edge.app" / "Contents" / "MacOS"
                      / "Microsoft Edge")
    assert browser.find("darwin", environ) == str(edge)
    chrome = executable(tmp_path / "Applications" / "Google Chrome.app" / "Contents" / "MacOS"
                        / "Google Chrome")
    assert browser.find("darwin", environ) == str(chrome)


@pytest.mark.parametrize(("platform", "cache", "build"), [
    ("linux", ".cache/ms-playwright", "chrome-linux64/chrome"),
    ("win32", "AppData/Local/ms-playwright", "chrome-win64/chrome.exe"),
    ("darwin", "Library/Caches/ms-playwright", "chrome-mac-arm64/Google Chrome for Testing.app/"
                                               "Contents/MacOS/Google Chrome for Testing"),
])
def test_the_chromium_playwright_installs_is_found_newest_first(tmp_path, platform, cache,
                                                                 build):
    environ = {"PATH": "", "HOME": str(tmp_path), "USERPROFILE": str(tmp_path)}
    executable(tmp_path / cache / "chromium-1140" / build)
    newest = executable(tmp_path / cache / "chromium-1200" / build)
    executable(tmp_path / cache / "chromium_headless_shell-1300" / build)  # not a full browser
    assert browser.find(platform, environ) == str(newest)
    # PLAYWRIGHT_BROWSERS_PATH moves the cache.
    moved = executable(tmp_path / "elsewhere" / "chromium-1000" / build)
    assert browser.find(platform, {**environ, "PLAYWRIGHT_BROWSERS_PATH":
                                   str(tmp_path / "elsewhere")}) == str(moved)


def test_without_a_browser_the_pdf_warning_says_how_to_get_one(tmp_path, monkeypatch):
    from civeval.workbench import render

    for name in (browser.ENVIRONMENT, "PLAYWRIGHT_BROWSERS_PATH", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", "")
    monkeypatch.setenv("HOME", str(tmp_path))
    page = tmp_path / "page.html"
    page.write_text("<p>Rapport</p>", encoding="utf-8")
    assert render.print_pdf(page, tmp_path / "page.pdf") == browser.MISSING
    assert "playwright install chromium" in browser.MISSING
    assert not (tmp_path / "page.pdf").exists()
