"""serve: live preview on 127.0.0.1; errors shown in the page; pages come back when fixed."""

from __future__ import annotations

import http.client
import json
import time
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from katalog.serve import HOST, Preview, inject, snapshot

TIMEOUT = 60.0  # generous upper bound for one rebuild on a loaded machine; never asserted on


def fetch(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


def version(base: str) -> int:
    return json.loads(fetch(base + "__katalog/version")[2])["version"]


def wait_for_new_version(base: str, old: int) -> int:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        current = version(base)
        if current != old:
            return current
        time.sleep(0.05)
    pytest.fail(f"the preview did not rebuild within {TIMEOUT} s")


def wait_for_page(base: str, old: int, predicate) -> tuple[int, str]:
    """The front page once the preview has rebuilt (version > old) and `predicate(html)` holds.

    A watcher may catch a file half-written and build once more; waiting for the expected page
    (bounded) instead of for exactly one rebuild keeps the test deterministic.
    """
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        current = version(base)
        if current != old:
            html = fetch(base)[2]
            if predicate(html) and version(base) == current:
                return current, html
        time.sleep(0.05)
    pytest.fail(f"the preview did not show the expected page within {TIMEOUT} s")


@pytest.fixture
def preview(small):
    logged: list[str] = []
    p = Preview(small, interval=0.05, log=logged.append)
    p.logged = logged
    p.start(0)
    try:
        yield p
    finally:
        p.stop()


def test_serves_the_catalogue_on_loopback_with_reload_script(preview):
    host, port = preview.server.server_address[:2]
    assert host == HOST and port > 0
    base = preview.url
    status, ctype, html = fetch(base)
    assert status == 200 and ctype.startswith("text/html")
    soup = BeautifulSoup(html, "html.parser")
    assert "Budgetkatalog 2026" in soup.get_text()
    script = soup.find_all("script")[-1]
    assert script["data-version"] == str(version(base))
    assert "/__katalog/version" in script.string
    # pages of themes and proposals, and assets, are served from the build
    links = [a["href"] for a in soup.find_all("a", href=True) if a["href"].endswith(".html")]
    assert links
    status, _ctype, page = fetch(base + links[0])
    assert status == 200 and "data-version" in page
    css = [l["href"] for l in soup.find_all("link", href=True) if l["href"].endswith(".css")]
    if css:
        assert fetch(base + css[0])[1].startswith("text/css")


def test_broken_file_shows_error_page_then_recovers(preview, small):
    base = preview.url
    v0 = version(base)
    path = small / "proposals" / "A1.md"
    good = path.read_text(encoding="utf-8")
    bad = good.replace("area: service", "area: servise", 1)
    assert bad != good
    path.write_text(bad, encoding="utf-8")
    v1, html = wait_for_page(base, v0, lambda h: "servise" in h)
    text = BeautifulSoup(html, "html.parser").get_text(" ")
    line = bad.splitlines().index("    area: servise") + 1
    assert f"proposals/A1.md:{line}:" in text
    assert "ukendt styringsområde 'servise'" in text and "mente du 'service'?" in text
    assert "Kataloget har 1 fejl" in text
    # every page shows the error while the content is invalid, and the page keeps polling
    assert "ukendt styringsområde" in fetch(base + "A1.html")[2]
    assert f'data-version="{v1}"' in html
    # the console got the same lines (for editors' problem matchers)
    assert any(f"A1.md:{line}:" in l and ": fejl: " in l for l in preview.logged)

    path.write_text("---\nid: [\n---\n", encoding="utf-8")  # YAML syntax error
    v2, html = wait_for_page(base, v1, lambda h: "ugyldig YAML" in h)
    assert "proposals/A1.md:3:1" in html

    path.write_text(good, encoding="utf-8")
    _v3, html = wait_for_page(base, v2, lambda h: "Kataloget har" not in h)
    status, _ctype, html = fetch(base)
    assert status == 200 and "Budgetkatalog 2026" in html


def test_template_change_rebuilds(small, tmp_path):
    templates = tmp_path / "templates"
    (templates / "html").mkdir(parents=True)
    p = Preview(small, templates=templates, interval=0.05)
    p.start(0)
    try:
        v0 = version(p.url)
        (templates / "html" / "ny.css").write_text("body{}", encoding="utf-8")
        wait_for_new_version(p.url, v0)
    finally:
        p.stop()


def test_no_path_outside_the_site(preview):
    host, port = preview.server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=20)
    try:
        for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/findes-ikke.html"):
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode()
            assert response.status == 404, path
            assert "root:" not in body
    finally:
        conn.close()


def test_stop_removes_the_temporary_build(small):
    p = Preview(small, interval=0.05)
    p.start(0)
    site = p.out
    assert (site / "html" / "index.html").is_file()
    p.stop()
    assert not site.exists()


def test_snapshot_sees_new_changed_and_removed_files(tmp_path):
    (tmp_path / "a.md").write_text("a")
    first = snapshot([tmp_path])
    (tmp_path / "b.md").write_text("b")
    second = snapshot([tmp_path])
    assert set(second) - set(first) == {str(tmp_path / "b.md")}
    (tmp_path / "a.md").unlink()
    assert str(tmp_path / "a.md") not in snapshot([tmp_path])


def test_inject():
    assert inject("<html><body>x</body></html>", "S") == "<html><body>xS</body></html>"
    assert inject("x", "S") == "xS"


def test_cli_port_in_use_is_a_usage_error(small):
    import socket

    from click.testing import CliRunner

    from katalog.cli import main

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", str(small), "--port", str(port)])
    assert result.exit_code == 2
    assert "prøv en anden --port" in result.output
    assert CliRunner().invoke(main, ["serve", str(small / "nej")]).exit_code == 2


def test_invalid_content_at_start_shows_the_error_page(small):
    (small / "catalogue.yaml").write_text("title: [\n", encoding="utf-8")
    p = Preview(small, interval=0.05)
    p.start(0)
    try:
        status, _ctype, html = fetch(p.url)
        assert status == 200
        text = BeautifulSoup(html, "html.parser").get_text(" ")
        assert "catalogue.yaml:2:1" in text and "ugyldig YAML" in text
        assert json.loads(fetch(p.url + "__katalog/version")[2])["ok"] is False
    finally:
        p.stop()


# -- hostile clients: DNS rebinding, long names, idle connections ------------------------------


def raw_request(preview, path: str = "/", host: str | None = "default") -> tuple[int, str]:
    addr, port = preview.server.server_address[:2]
    conn = http.client.HTTPConnection(addr, port, timeout=20)
    try:
        conn.putrequest("GET", path, skip_host=True)
        if host == "default":
            host = f"127.0.0.1:{port}"
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_only_local_host_names_are_answered(preview):
    """A page elsewhere can point its own host name at 127.0.0.1 (DNS rebinding); the
    browser then sends that name as Host, and the preview must not answer it."""
    port = preview.server.server_address[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        assert raw_request(preview, "/", host)[0] == 200, host
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1:{port + 1}", "127.0.0.1",
                 f"localhost.evil.example:{port}", "", None):
        status, body = raw_request(preview, "/", host)
        assert status == 403, host
        assert "Budgetkatalog" not in body
    status, body = raw_request(preview, "/__katalog/version", f"evil.example:{port}")
    assert status == 403 and "version" not in body


def test_long_and_odd_paths_get_404_or_414_without_internals(preview):
    tmp = str(preview.tmp)
    for path in ("/" + "a" * 5000, "/" + "a" * 300 + ".html", "/%00", "/a%00b.html",
                 "/" + "%2e%2e/" * 50 + "etc/passwd", "/" + "%C3%B8" * 200, "/%ff%fe.html"):
        status, body = raw_request(preview, path)
        assert status in (404, 414), (path[:20], status)
        assert tmp not in body and "katalog-serve-" not in body and "Errno" not in body


def open_idle(preview, count: int) -> list:
    import socket

    addr, port = preview.server.server_address[:2]
    return [socket.create_connection((addr, port), timeout=30) for _ in range(count)]


def closed_by_server(sock) -> bool:
    import socket

    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        sock.setblocking(True)


def test_idle_connections_are_bounded(small):
    """1,000 idle connections once made 1,003 threads: now at most `max_connections` get a
    thread and the others are closed at once."""
    import threading

    p = Preview(small, interval=60, max_connections=8, timeout=60)
    p.start(0)
    before = threading.active_count()
    socks = open_idle(p, 60)
    try:
        deadline = time.monotonic() + TIMEOUT
        while sum(closed_by_server(s) for s in socks) < 60 - 8:
            assert time.monotonic() < deadline, "connections over the limit were not closed"
            time.sleep(0.05)
        assert threading.active_count() <= before + 8
    finally:
        for s in socks:
            s.close()
        p.stop()


def test_an_idle_connection_is_closed_after_the_timeout(small):
    p = Preview(small, interval=60, timeout=0.5)
    p.start(0)
    try:
        (sock,) = open_idle(p, 1)
        with sock:
            assert sock.recv(1) == b""  # the server hung up (the client would wait 30 s)
        assert fetch(p.url)[0] == 200  # and the slot is free again
    finally:
        p.stop()


def test_log_lines_from_content_cannot_drive_the_terminal(small):
    (small / "proposals" / "\x1b]0;ejet\x07.md").write_text("---\nid: [\n---\n", encoding="utf-8")
    logged: list[str] = []
    p = Preview(small, interval=60, log=logged.append)
    p.rebuild()
    p.stop()
    assert logged and not any("\x1b" in line or "\x07" in line for line in logged)


def test_templates_are_sandboxed_and_links_in_them_not_followed(small, tmp_path):
    """A templates folder arrives by pull request like content: its Jinja cannot run code."""
    import jinja2.exceptions

    templates = tmp_path / "templates"
    (templates / "serve").mkdir(parents=True)
    (templates / "serve" / "error.html").write_text(
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}", encoding="utf-8")
    (templates / "serve" / "reload.js").symlink_to("/etc/passwd")
    logged: list[str] = []
    p = Preview(small, templates=templates, interval=60, log=logged.append)
    try:
        assert "root:" not in p.reload_script(1)
        assert any("reload.js" in line and "symbolsk link" in line for line in logged)
        with pytest.raises(jinja2.exceptions.SecurityError):
            p.error_page(p.state)
    finally:
        p.stop()
