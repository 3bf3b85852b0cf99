#!/usr/bin/env python3
"""Post `katalog diff --format markdown` as ONE pull-request comment, updated on every push.

    katalog diff origin/main HEAD --format markdown > katalog-diff.md
    python scripts/pr-comment.py katalog-diff.md            # GitHub Actions
    python scripts/pr-comment.py --gitlab katalog-diff.md   # GitLab CI (merge request note)

The comment carries a hidden marker (`<!-- katalog-diff -->`); when a comment with the marker
exists it is updated, otherwise one is created, so a pull request never collects a pile of
diff comments. Only the standard library is used (urllib), so the script runs before or
without installing katalog.

GitHub: GITHUB_TOKEN, GITHUB_REPOSITORY ("owner/repo"), and the pull-request number from
GITHUB_EVENT_PATH (or PR_NUMBER); GITHUB_API_URL when not github.com.
GitLab: KATALOG_GITLAB_TOKEN (a project access token with `api` scope), CI_API_V4_URL,
CI_PROJECT_ID and CI_MERGE_REQUEST_IID.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

MARKER = "<!-- katalog-diff -->"
MAX_BODY = 65_000  # GitHub refuses comments over 65,536 characters
TRUNCATED = ("\n\n… *Kommentaren er forkortet. Kør `katalog diff` lokalt eller se "
             "artefaktet for hele listen.*\n")
PER_PAGE = 100

# (method, url, headers, json body or None) → (status, parsed JSON)
Http = Callable[[str, str, dict[str, str], "dict[str, Any] | None"], "tuple[int, Any]"]


def compose_body(markdown: str, marker: str = MARKER, limit: int = MAX_BODY) -> str:
    """The comment text: the marker on the first line, then the Markdown (shortened to fit)."""
    body = f"{marker}\n{markdown.rstrip()}\n"
    if len(body) <= limit:
        return body
    cut = body[: limit - len(TRUNCATED) - len("\n</details>\n")]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    if cut.count("<details>") > cut.count("</details>"):
        return cut + TRUNCATED + "\n</details>\n"
    return cut + TRUNCATED


def find_comment(comments: list[dict[str, Any]], marker: str = MARKER) -> Any | None:
    """The id of the first comment that carries the marker, or None."""
    for comment in comments:
        if marker in str(comment.get("body") or ""):
            return comment.get("id")
    return None


@dataclass(frozen=True)
class Forge:
    """Where the comments of one pull/merge request live, and how to write them."""

    list_url: str
    create_url: str
    update_url: str  # with {id}
    update_method: str
    headers: dict[str, str] = field(default_factory=dict)

    def comments(self, http: Http) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            sep = "&" if "?" in self.list_url else "?"
            status, items = http("GET", f"{self.list_url}{sep}per_page={PER_PAGE}&page={page}",
                                 self.headers, None)
            _ok(status, "list comments")
            yield from items
            if len(items) < PER_PAGE:
                return
            page += 1


def github(repository: str, number: int, token: str,
           api: str = "https://api.github.com") -> Forge:
    base = f"{api.rstrip('/')}/repos/{repository}/issues"
    return Forge(
        list_url=f"{base}/{number}/comments",
        create_url=f"{base}/{number}/comments",
        update_url=base + "/comments/{id}",
        update_method="PATCH",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                 "X-GitHub-Api-Version": "2022-11-28"},
    )


def gitlab(api: str, project: str, iid: int, token: str) -> Forge:
    base = f"{api.rstrip('/')}/projects/{project}/merge_requests/{iid}/notes"
    return Forge(
        list_url=f"{base}?sort=asc",
        create_url=base,
        update_url=base + "/{id}",
        update_method="PUT",
        headers={"PRIVATE-TOKEN": token},
    )


def upsert(forge: Forge, http: Http, body: str, marker: str = MARKER) -> tuple[str, Any]:
    """Update the marked comment, or create one. Returns ("updated" | "created", id)."""
    existing = find_comment(list(forge.comments(http)), marker)
    if existing is not None:
        status, data = http(forge.update_method, forge.update_url.format(id=existing),
                            forge.headers, {"body": body})
        _ok(status, "update comment")
        return "updated", existing
    status, data = http("POST", forge.create_url, forge.headers, {"body": body})
    _ok(status, "create comment")
    return "created", data.get("id") if isinstance(data, dict) else None


class ApiError(RuntimeError):
    pass


def _ok(status: int, what: str) -> None:
    if not 200 <= status < 300:
        raise ApiError(f"{what}: HTTP {status}")


def urllib_http(method: str, url: str, headers: dict[str, str],
                body: dict[str, Any] | None) -> tuple[int, Any]:
    """The real HTTP layer (standard library only)."""
    data = json.dumps(body).encode("utf-8") if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        **headers, "Content-Type": "application/json", "User-Agent": "katalog-pr-comment"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, None


def forge_from_env(env: dict[str, str], use_gitlab: bool) -> Forge:
    """Build the GitHub or GitLab target from the CI environment (KeyError when missing)."""
    if use_gitlab:
        return gitlab(env["CI_API_V4_URL"], env["CI_PROJECT_ID"],
                      int(env["CI_MERGE_REQUEST_IID"]), env["KATALOG_GITLAB_TOKEN"])
    number = env.get("PR_NUMBER")
    if not number:
        with open(env["GITHUB_EVENT_PATH"], encoding="utf-8") as fh:
            number = str(json.load(fh)["pull_request"]["number"])
    return github(env["GITHUB_REPOSITORY"], int(number), env["GITHUB_TOKEN"],
                  env.get("GITHUB_API_URL", "https://api.github.com"))


def main(argv: list[str] | None = None, http: Http = urllib_http,
         env: dict[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("markdown", help="file with the output of katalog diff --format markdown")
    parser.add_argument("--gitlab", action="store_true", help="post a GitLab merge-request note")
    parser.add_argument("--marker", default=MARKER, help="hidden marker that finds the comment")
    args = parser.parse_args(argv)
    env = dict(os.environ if env is None else env)
    with open(args.markdown, encoding="utf-8") as fh:
        body = compose_body(fh.read(), args.marker)
    try:
        forge = forge_from_env(env, args.gitlab)
    except (KeyError, OSError, ValueError) as exc:
        print(f"pr-comment: mangler CI-oplysninger ({exc}); ingen kommentar skrevet",
              file=sys.stderr)
        return 2
    try:
        action, comment_id = upsert(forge, http, body, args.marker)
    except (ApiError, urllib.error.URLError) as exc:
        print(f"pr-comment: {exc}", file=sys.stderr)
        return 1
    print(f"pr-comment: kommentar {comment_id} {'opdateret' if action == 'updated' else 'oprettet'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
