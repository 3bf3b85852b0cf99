"""scripts/pr-comment.py: marker, body composition, update-or-create, pagination, GitHub and
GitLab targets, all against a fake HTTP layer (no network)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any


from conftest import ROOT

spec = importlib.util.spec_from_file_location("pr_comment", ROOT / "scripts" / "pr-comment.py")
assert spec and spec.loader
pr = importlib.util.module_from_spec(spec)
sys.modules["pr_comment"] = pr  # dataclasses look their module up while the class is made
spec.loader.exec_module(pr)


class FakeApi:
    """Records requests; serves `comments` in pages like the GitHub/GitLab APIs."""

    def __init__(self, comments: list[dict[str, Any]], status: int = 200) -> None:
        self.comments = comments
        self.status = status
        self.requests: list[tuple[str, str, dict[str, str], Any]] = []

    def __call__(self, method, url, headers, body):
        self.requests.append((method, url, headers, body))
        if method == "GET":
            query = dict(part.split("=") for part in url.split("?", 1)[1].split("&"))
            per, page = int(query["per_page"]), int(query["page"])
            return self.status, self.comments[(page - 1) * per: page * per]
        if method == "POST":
            return 201, {"id": 999, "body": body["body"]}
        return self.status, {"id": url.rsplit("/", 1)[1], "body": body["body"]}


def test_compose_body_puts_the_marker_first():
    body = pr.compose_body("### Budgetkatalog\n\n| a |\n")
    assert body.splitlines()[0] == "<!-- katalog-diff -->"
    assert body.endswith("| a |\n")


def test_compose_body_truncates_and_closes_details():
    md = "### x\n\n<details><summary>Detaljer</summary>\n\n" + "".join(
        f"- linje {i}\n" for i in range(5000)) + "\n</details>\n"
    body = pr.compose_body(md, limit=2000)
    assert len(body) <= 2000
    assert "forkortet" in body
    assert body.rstrip().endswith("</details>")
    assert body.count("<details>") == body.count("</details>") == 1


def test_find_comment_by_marker():
    comments = [{"id": 1, "body": "Tak!"}, {"id": 2, "body": None},
                {"id": 3, "body": "<!-- katalog-diff -->\nold"}, {"id": 4, "body": "<!-- katalog-diff -->"}]
    assert pr.find_comment(comments) == 3
    assert pr.find_comment(comments[:2]) is None


def test_upsert_updates_the_marked_comment_on_a_later_page():
    others = [{"id": i, "body": f"kommentar {i}"} for i in range(150)]
    api = FakeApi(others + [{"id": 777, "body": "<!-- katalog-diff -->\ngammel"}])
    forge = pr.github("kommune/katalog", 12, "tok")
    action, cid = pr.upsert(forge, api, pr.compose_body("ny"))
    assert (action, cid) == ("updated", 777)
    gets = [r for r in api.requests if r[0] == "GET"]
    assert [r[1].rsplit("page=", 1)[1] for r in gets] == ["1", "2"]
    method, url, headers, body = api.requests[-1]
    assert method == "PATCH"
    assert url == "https://api.github.com/repos/kommune/katalog/issues/comments/777"
    assert headers["Authorization"] == "Bearer tok"
    assert body == {"body": "<!-- katalog-diff -->\nny\n"}
    assert not any(r[0] == "POST" for r in api.requests)


def test_upsert_creates_when_no_marked_comment():
    api = FakeApi([{"id": 1, "body": "LGTM"}])
    action, cid = pr.upsert(pr.github("k/k", 5, "t"), api, pr.compose_body("ny"))
    assert (action, cid) == ("created", 999)
    method, url, _, body = api.requests[-1]
    assert (method, url) == ("POST", "https://api.github.com/repos/k/k/issues/5/comments")
    assert body["body"].startswith("<!-- katalog-diff -->")


def test_api_error_is_reported_not_raised(tmp_path, capsys):
    md = tmp_path / "diff.md"
    md.write_text("x", encoding="utf-8")
    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "k/k", "PR_NUMBER": "3"}
    assert pr.main([str(md)], http=FakeApi([], status=403), env=env) == 1
    assert "HTTP 403" in capsys.readouterr().err


def test_main_github_reads_the_event_file(tmp_path, capsys):
    md = tmp_path / "diff.md"
    md.write_text("### Budgetkatalog\n", encoding="utf-8")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 42}}), encoding="utf-8")
    api = FakeApi([])
    env = {"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "k/k", "GITHUB_EVENT_PATH": str(event)}
    assert pr.main([str(md)], http=api, env=env) == 0
    assert api.requests[-1][1] == "https://api.github.com/repos/k/k/issues/42/comments"
    assert "oprettet" in capsys.readouterr().out


def test_main_gitlab_updates_the_note(tmp_path):
    md = tmp_path / "diff.md"
    md.write_text("ny", encoding="utf-8")
    api = FakeApi([{"id": 8, "body": "<!-- katalog-diff -->\nold"}])
    env = {"CI_API_V4_URL": "https://gitlab.example/api/v4", "CI_PROJECT_ID": "17",
           "CI_MERGE_REQUEST_IID": "4", "KATALOG_GITLAB_TOKEN": "g"}
    assert pr.main(["--gitlab", str(md)], http=api, env=env) == 0
    method, url, headers, body = api.requests[-1]
    assert method == "PUT"
    assert url == "https://gitlab.example/api/v4/projects/17/merge_requests/4/notes/8"
    assert headers == {"PRIVATE-TOKEN": "g"}


def test_main_without_ci_environment_is_a_usage_error(tmp_path):
    md = tmp_path / "diff.md"
    md.write_text("x", encoding="utf-8")
    assert pr.main([str(md)], http=FakeApi([]), env={}) == 2


def test_workflow_calls_the_script_with_the_markdown_diff():
    workflow = (ROOT / ".github/workflows/katalog.yml").read_text(encoding="utf-8")
    assert "katalog diff" in workflow and "--format markdown" in workflow
    assert "scripts/pr-comment.py" in workflow
    assert "actions/upload-artifact" in workflow
    assert "fetch-depth: 0" in workflow
    ci_doc = (ROOT / "docs/ci.md").read_text(encoding="utf-8")
    assert "scripts/pr-comment.py --gitlab" in ci_doc
    assert "diff.katalog.textconv" in ci_doc


def test_workflow_is_valid_yaml():
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=True).load(ROOT / ".github/workflows/katalog.yml")
    steps = data["jobs"]["catalogue"]["steps"]
    runs = " ".join(str(s.get("run", "")) for s in steps)
    assert "katalog check" in runs and "katalog build" in runs
