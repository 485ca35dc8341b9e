"""The live preview's web server: the reports folder on 127.0.0.1, pages that reload themselves.

``civeval watch`` (:mod:`civeval.workbench.watch`) rebuilds a study's report whenever one of
its files is saved, and starts this server in a process of its own (a server thread in the
watching process would be copied, mid-request perhaps, into every child it forks). Every
HTML page served gets a small script that asks ``/_civeval/status`` every :data:`POLL_MS`
milliseconds for the state the watcher last wrote (a build number, the error that stopped
the last build, if any, and a notice): the page reloads when the number changes (or, for a
section page published before its build ended, its own version), shows the error over the
last good report, in the words ``civeval validate`` would use, and the notice in a corner
(the PDF and Word a preview does not print).
Nothing is loaded from elsewhere: the page works offline.

Run as ``python -m civeval.workbench.preview <reports folder> <status file> [port]``; it
prints the port it listens on, then serves until it is terminated.
"""

from __future__ import annotations

import functools
import json
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STATUS_PATH = "/_civeval/status"
POLL_MS = 100  # a request for a small file on this machine: cheap
# Injected before </body> of every HTML page served; the status text goes in as text only.
RELOAD_SCRIPT = """<script>(() => {
  let seen = null;
  const box = document.createElement("pre");
  box.style.cssText = "position:fixed;left:0;right:0;bottom:0;margin:0;padding:1em;z-index:9999;"
    + "background:#7a1010;color:#fff;white-space:pre-wrap;font:14px monospace;display:none";
  const notice = document.createElement("p");
  notice.setAttribute("role", "status");
  notice.style.cssText = "position:fixed;right:0;top:0;margin:0;padding:.4em .8em;z-index:9998;"
    + "background:#222;color:#fff;font:13px sans-serif;display:none";
  document.addEventListener("DOMContentLoaded", () => document.body.append(notice, box));
  async function poll() {
    try {
      const status = await (await fetch("STATUS_PATH", {cache: "no-store"})).json();
      const version = String((status.pages || {})[location.pathname] ?? status.build);
      if (seen !== null && version !== seen) { location.reload(); return; }
      seen = version;
      box.textContent = status.error || "";
      box.style.display = status.error ? "block" : "none";
      notice.textContent = status.notice || "";
      notice.style.display = status.notice ? "block" : "none";
    } catch (error) { /* the watcher stopped: keep the page as it is */ }
    setTimeout(poll, POLL_MS);
  }
  poll();
})();</script>""".replace("STATUS_PATH", STATUS_PATH).replace("POLL_MS", str(POLL_MS))


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the reports folder, HTML with :data:`RELOAD_SCRIPT`, and the watcher's status."""

    def __init__(self, *args, status_file: Path, **kwargs):
        self.status_file = status_file
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path.split("?", 1)[0]
        if path == STATUS_PATH:
            try:
                body = self.status_file.read_bytes()
            except OSError:
                body = b'{"build": null, "error": null, "notice": null}'
            return self._send(body, "application/json")
        target = Path(self.translate_path(path))
        if target.is_dir():
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            html = target.read_text(encoding="utf-8")
            end = html.rfind("</body>")
            page = html + RELOAD_SCRIPT if end < 0 else html[:end] + RELOAD_SCRIPT + html[end:]
            return self._send(page.encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002 (http.server's signature)
        pass  # the terminal belongs to the watcher's messages


def serve(reports: Path, status_file: Path, port: int = 0) -> ThreadingHTTPServer:
    """A server of ``reports`` on 127.0.0.1 (``port`` 0: any free one), not started yet."""
    handler = functools.partial(PreviewHandler, directory=str(reports),
                                status_file=Path(status_file))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def write_status(status_file: Path, build: int, error: str | None,
                 notice: str | None = None, pages: dict[str, str] | None = None) -> None:
    """Tell the open pages what the watcher last did: build number ``build``, the error
    that stopped it (None once a build succeeds) and what else the reader should know.

    ``pages`` maps the address of a page published during a build (a section shown before
    its study's main report is rebuilt, ``/<slug>/<page>.html``) to a version of its own:
    that page reloads when its version changes, every other page when the build number
    does."""
    from civeval.workbench import atomic

    atomic.write_text(Path(status_file), json.dumps(
        {"build": build, "error": error, "notice": notice, "pages": pages or {}},
        ensure_ascii=False))


def main(argv: list[str]) -> None:
    reports, status_file = Path(argv[0]), Path(argv[1])
    server = serve(reports, status_file, int(argv[2]) if len(argv) > 2 else 0)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
