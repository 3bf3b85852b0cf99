"""`katalog serve`: a local live preview of the HTML catalogue.

A `Preview` builds the HTML (`build.build(..., formats=["html"])`) into a temporary folder and
serves it with the standard library's HTTP server on 127.0.0.1 only. A watcher thread polls the
modification times of the content and template files; on a change it rebuilds and bumps a
version number. Every HTML page gets a tiny script (`templates/serve/reload.js`) that polls
`/__katalog/version` and reloads the page when the version changes. While the content is
invalid every page is an error page (`templates/serve/error.html`) listing file, line and the
Danish message; nothing ever crashes the server.

The server is local, but a browser visits it: a page elsewhere may point a host name of its
own at 127.0.0.1 (DNS rebinding), so only requests whose `Host` is `localhost`, `127.0.0.1`
or `[::1]` with the server's port are answered. Connections are bounded: each socket times
out (`REQUEST_TIMEOUT`) and at most `MAX_CONNECTIONS` are handled at once (more are closed
at once, never given a thread). Errors never show the server's paths.
"""

from __future__ import annotations

import json
import mimetypes
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from jinja2 import FileSystemLoader, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup, escape

from .build import BuildError, build
from .issues import Issue, Severity
from .render.templates import TemplateSet
from .safefs import read_regular, reason
from .source import MAX_FILE_BYTES
from .textsafe import printable

HOST = "127.0.0.1"
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
VERSION_PATH = "/__katalog/version"
REQUEST_TIMEOUT = 10.0  # seconds an idle or slow connection may hold a handler
MAX_CONNECTIONS = 32  # handlers at once (a browser opens about six)
MAX_URL = 2048  # longer request targets get 414 (no file name is that long)
Snapshot = dict[str, tuple[int, int]]


@dataclass
class State:
    """What the server shows: a good build, or the problems that stopped it."""

    version: int = 0
    ok: bool = False
    issues: list[Issue] = field(default_factory=list)
    failure: str = ""


def snapshot(folders: list[Path]) -> Snapshot:
    """(mtime_ns, size) of every file under `folders`, hidden files and folders excluded."""
    found: Snapshot = {}
    stack = [f for f in folders if f.is_dir()]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                else:
                    st = entry.stat()
                    found[entry.path] = (st.st_mtime_ns, st.st_size)
            except OSError:
                continue
    return found


class Preview:
    """Build, watch and serve one content folder."""

    def __init__(
        self,
        content: Path | str,
        templates: Path | str | None = None,
        interval: float = 0.5,
        log: Callable[[str], None] | None = None,
        timeout: float = REQUEST_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.content = Path(content)
        if templates is None and (self.content.resolve().parent / "templates").is_dir():
            templates = self.content.resolve().parent / "templates"
        self.templates = templates
        self.template_set = TemplateSet.create(templates)
        self.interval = interval
        shown = log or (lambda _msg: None)
        self.log: Callable[[str], None] = lambda msg: shown(printable(msg))  # content → terminal
        self.timeout = timeout
        self.max_connections = max_connections
        self.tmp = Path(tempfile.mkdtemp(prefix="katalog-serve-"))
        self.out = self.tmp / "site"
        self.state = State()
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._seen: Snapshot = {}
        self._threads: list[threading.Thread] = []
        self.server: _BoundedServer | None = None
        # a templates folder arrives by pull request like content: sandboxed, never code
        env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader([str(d) for d in self.template_set.dirs]),
            autoescape=select_autoescape(["html"]))
        self._error_template = env.get_template("serve/error.html")
        self._reload_js = self._read_template("serve/reload.js")

    def _read_template(self, rel: str) -> str:
        """A template file's text, read safely ("" when missing or refused, with a message)."""
        path = self.template_set.find(rel)
        if path is None:
            return ""
        try:
            return read_regular(path, MAX_FILE_BYTES).decode("utf-8", "replace")
        except OSError as exc:
            self.log(f"katalog: {path} bruges ikke ({reason(exc)})")
            return ""

    # -- building ---------------------------------------------------------------------------

    def watched(self) -> list[Path]:
        return [self.content, *self.template_set.dirs]

    def rebuild(self) -> State:
        """Build once; the outcome becomes the new state with a new version number."""
        self.log("katalog: bygger forhåndsvisningen …")
        issues: list[Issue] = []
        failure = ""
        ok = False
        try:
            result = build(self.content, self.out, ["html"], templates=self.templates)
            issues = result.report.sorted()
            ok = True
        except BuildError as exc:
            issues = exc.report.sorted()
        except Exception as exc:  # noqa: BLE001 - the preview must survive anything
            failure = f"Bygningen fejlede ({type(exc).__name__}: {exc})."
        for issue in issues:
            self.log(issue.format())
        with self.lock:
            self.state = State(self.state.version + 1, ok, issues, failure)
        errors = sum(1 for i in issues if i.severity is Severity.ERROR)
        if ok:
            self.log(f"katalog: forhåndsvisningen er klar ({self.url})")
        else:
            self.log(f"katalog: forhåndsvisningen er ikke gyldig: {errors} fejl. {failure}".rstrip())
        return self.state

    def poll_once(self) -> bool:
        """Rebuild when a watched file changed since the last look; True if it did."""
        now = snapshot(self.watched())
        if now == self._seen:
            return False
        self._seen = now
        self.rebuild()
        return True

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.poll_once()
            except Exception as exc:  # noqa: BLE001 - keep watching
                self.log(f"katalog: kunne ikke genopbygge ({type(exc).__name__}: {exc})")

    # -- serving ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        port = self.server.server_address[1] if self.server else 0
        return f"http://{HOST}:{port}/"

    def start(self, port: int = 8000) -> str:
        """Build, then serve on 127.0.0.1:`port` (0: any free port) in background threads."""
        self.server = _BoundedServer((HOST, port), _handler(self), self.max_connections)
        self._seen = snapshot(self.watched())
        self.rebuild()
        for target in (self.server.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.url

    def stop(self) -> None:
        self._stop.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self) -> "Preview":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # -- pages ------------------------------------------------------------------------------

    def reload_script(self, version: int) -> str:
        return f'<script data-version="{version}">{self._reload_js}</script>'

    def error_page(self, state: State) -> bytes:
        errors = sum(1 for i in state.issues if i.severity is Severity.ERROR)
        warnings = len(state.issues) - errors
        html = self._error_template.render(issues=state.issues, errors=errors, warnings=warnings,
                                           failure=state.failure)
        return inject(html, self.reload_script(state.version)).encode("utf-8")

    def resolve(self, url_path: str) -> Path | None:
        """The built file for a URL path, never outside the site folder; None for anything
        else (a name too long for the file system, a NUL byte, a missing file)."""
        root = (self.out / "html").resolve()
        rel = unquote(urlsplit(url_path).path).lstrip("/")
        try:
            target = (root / rel).resolve()
            if not target.is_relative_to(root):
                return None
            if target.is_dir():
                target = target / "index.html"
            return target if target.is_file() else None
        except (OSError, ValueError):
            return None

    def allowed_host(self, host: str | None) -> bool:
        """Whether a request's `Host` header names this server on the loopback."""
        if not host or self.server is None:
            return False
        port = self.server.server_address[1]
        host = host.strip().lower()
        names = {f"{name}:{port}" for name in LOCAL_NAMES}
        if port == 80:
            names |= set(LOCAL_NAMES)
        return host in names


def inject(html: str, snippet: str) -> str:
    """`snippet` before `</body>` (or at the end)."""
    index = html.lower().rfind("</body>")
    return html[:index] + snippet + html[index:] if index >= 0 else html + snippet


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "katalog-serve"
        timeout = preview.timeout  # on the socket: an idle or slow client lets go of its thread

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: the console shows build results, not every request

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_HEAD(self) -> None:  # noqa: N802
            self.do_GET()

        def _refuse(self, status: int, text: str) -> None:
            body = (f"<!doctype html><html lang='da'><meta charset='utf-8'><title>{status}</title>"
                    f"<p>{escape(text)}</p></html>").encode("utf-8")
            self.close_connection = True
            self._send(status, body, "text/html; charset=utf-8")

        def do_GET(self) -> None:  # noqa: N802
            try:
                if not preview.allowed_host(self.headers.get("Host")):
                    self._refuse(HTTPStatus.FORBIDDEN, "Forhåndsvisningen svarer kun på "
                                 "localhost og 127.0.0.1.")
                elif len(self.path) > MAX_URL:
                    self._refuse(HTTPStatus.REQUEST_URI_TOO_LONG, "Adressen er for lang.")
                else:
                    self._get()
            except OSError:
                pass  # the client went away or timed out
            except Exception as exc:  # noqa: BLE001 - never a traceback or a path in the browser
                preview.log(f"katalog: fejl i forhåndsvisningen ({type(exc).__name__})")
                self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "Der opstod en intern fejl.")

        def _get(self) -> None:
            with preview.lock:
                state = preview.state
            if urlsplit(self.path).path == VERSION_PATH:
                body = json.dumps({"version": state.version, "ok": state.ok}).encode()
                self._send(HTTPStatus.OK, body, "application/json")
                return
            target = preview.resolve(self.path)
            is_page = target is None or target.suffix == ".html"
            if not state.ok and is_page:
                self._send(HTTPStatus.OK, preview.error_page(state), "text/html; charset=utf-8")
                return
            data = _read(target)
            if data is None:
                page = ("<!doctype html><html lang='da'><meta charset='utf-8'><title>Ikke fundet</title>"
                        "<p>Siden findes ikke. <a href='/'>Til forsiden</a></p></html>")
                self._send(HTTPStatus.NOT_FOUND, inject(page, preview.reload_script(state.version))
                           .encode(), "text/html; charset=utf-8")
                return
            assert target is not None
            if target.suffix == ".html":
                html = inject(data.decode("utf-8"), str(Markup(preview.reload_script(state.version))))
                self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")
                return
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8"
            self._send(HTTPStatus.OK, data, ctype)

    return Handler


class _BoundedServer(ThreadingHTTPServer):
    """A thread per connection, at most `limit` at once; a connection over the limit is
    closed at once instead of getting a thread."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 limit: int) -> None:
        self._slots = threading.BoundedSemaphore(limit)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _read(target: Path | None) -> bytes | None:
    if target is None:
        return None
    try:
        return target.read_bytes()
    except OSError:  # swapped away by a rebuild this instant
        return None
