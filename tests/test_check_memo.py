"""check_memo: a whole check's outcome kept in the signed cache. A warm check gives exactly
what a fresh one gives (messages, files, lines, exit code); any change to an input it read
misses; a memo katalog did not write, or one holding anything but katalog's data, is
refused; a build from a memoised check writes the same bytes; KATALOG_NO_CACHE keeps none."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from katalog import check_memo, pipeline
from katalog.build import build
from katalog.cache import FOLDER, FORMAT, Store
from katalog.check_memo import NAMESPACE, SUMMARY, CheckMemo
from katalog.cli import main
from katalog.content_cache import DocumentCache
from katalog.folder import read_folder
from katalog.pipeline import Checked, Summary, check, check_report
from katalog.render import totals as totals_render

SVG = b"<svg xmlns='http://www.w3.org/2000/svg'/>"


@pytest.fixture(autouse=True)
def own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache key of this test's own (outside the content's folder)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("KATALOG_NO_CACHE", raising=False)


@pytest.fixture
def fresh_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The labels of the checks that really loaded and computed (not given by a memo)."""
    calls: list[str] = []
    real = pipeline.check_files

    def counting(files: Any, label: str = "content", **kw: Any) -> Checked:
        calls.append(label)
        return real(files, label, **kw)

    monkeypatch.setattr(pipeline, "check_files", counting)
    return calls


def _said(checked: Checked | Summary) -> list[tuple[str, int, int, str, str, str]]:
    """Everything the report says, in its own order."""
    return [(i.path, i.line, i.col, i.severity.value, i.code, i.message)
            for i in checked.report.issues]


def _outcome(checked: Checked) -> tuple[object, ...]:
    totals = (totals_render.to_json(checked.catalogue, checked.totals)
              if checked.totals is not None else None)
    return (_said(checked), checked.catalogue, totals)


def _copy(example: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(example, tmp_path / "content"))


def _memo_files(tmp_path: Path, namespace: str = NAMESPACE) -> list[Path]:
    return sorted(p for p in (tmp_path / FOLDER / namespace).rglob("*") if p.is_file())


def _shown(summary: Summary) -> tuple[object, ...]:
    """Everything `katalog check` shows."""
    return (_said(summary), summary.themes, summary.proposals)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- the same answer ---------------------------------------------------------------------------


def test_a_warm_check_is_the_cold_one_given_back(example: Path, tmp_path: Path,
                                                 fresh_checks: list[str]) -> None:
    content = _copy(example, tmp_path)
    (content / "proposals" / "noter.txt").write_text("x", encoding="utf-8")  # a warning
    plain = _outcome(check(content))
    cold = check(content, cache=True)
    assert len(fresh_checks) == 2 and len(_memo_files(tmp_path)) == 1
    warm = check(content, cache=True)
    assert len(fresh_checks) == 2  # given back by the memo
    assert _outcome(cold) == _outcome(warm) == plain
    assert warm.report.warnings and warm.totals is not None


def test_a_check_with_errors_comes_back_the_same_on_the_command_line(
        small: Path, fresh_checks: list[str]) -> None:
    _edit(small / "proposals" / "A1.md", "2026: -3000", "2026: -3.000")
    _edit(small / "catalogue.yaml", "unit: 1000", "unit: 1000\nfoo: 1")
    (small / "proposals" / "notes.txt").write_text("x", encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(main, ["check", "--no-cache", str(small)])
    assert plain.exit_code == 1 and "fejl" in plain.output
    cold = runner.invoke(main, ["check", str(small)])
    warm = runner.invoke(main, ["check", str(small)])
    assert len(fresh_checks) == 2  # --no-cache and the cold one
    for result in (cold, warm):
        assert (result.exit_code, result.output) == (plain.exit_code, plain.output)
    assert "A1.md:" in warm.output and "notes.txt" in warm.output


def test_a_generated_catalogue_round_trips_through_the_memo(tmp_path: Path) -> None:
    from test_bench_generate import gen

    content = gen.generate(tmp_path / "gen", 40)
    plain = _outcome(check(content))
    check(content, cache=True)
    assert _outcome(check(content, cache=True)) == plain


def test_a_check_that_failed_unexpectedly_is_not_kept(small: Path, fresh_checks: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import katalog.compute

    plain = _outcome(check(small))

    def broken(cat: Any) -> Any:
        raise MemoryError("for a moment")

    with monkeypatch.context() as patched:
        patched.setattr(katalog.compute, "compute", broken)
        failed = check(small, cache=True)
    assert [i.code for i in failed.report.errors] == ["internal"]
    calls = len(fresh_checks)
    assert _outcome(check(small, cache=True)) == plain
    assert len(fresh_checks) == calls + 1  # checked again, not the failure given back


# -- every input counts ------------------------------------------------------------------------


def _amount(content: Path) -> None:
    _edit(content / "proposals" / "ADM-01.md", "2028: -3500", "2028: -3600")


def _add(content: Path) -> None:
    text = (content / "proposals" / "ADM-01.md").read_text(encoding="utf-8")
    (content / "proposals" / "ADM-99.md").write_text(text.replace("ADM-01", "ADM-99"),
                                                     encoding="utf-8")


def _remove(content: Path) -> None:
    (content / "proposals" / "ADM-03.md").unlink()


def _rename(content: Path) -> None:
    (content / "proposals" / "ADM-03.md").rename(content / "proposals" / "ADM-03-ny.md")


def _catalogue(content: Path) -> None:
    _edit(content / "catalogue.yaml", "title:", "title: Ny")


def _other_file(content: Path) -> None:
    (content / "themes" / "noter.txt").write_text("ikke indhold", encoding="utf-8")


def _symlink(content: Path) -> None:
    target = content / "proposals" / "ADM-02.md"
    shutil.move(target, content.parent / "ADM-02.md")
    target.symlink_to(content.parent / "ADM-02.md")


def _intro(content: Path) -> None:
    (content / "intro.md").write_text("Et nyt forord.\n", encoding="utf-8")


CHANGES = {"amount": _amount, "added": _add, "removed": _remove, "renamed": _rename,
           "catalogue.yaml": _catalogue, "another file": _other_file,
           "a symlink": _symlink, "intro": _intro}


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("entry", ["check", "check_report"])
def test_any_change_to_the_content_misses(example: Path, tmp_path: Path, change: str,
                                          entry: str, fresh_checks: list[str]) -> None:
    content = _copy(example, tmp_path)
    if entry == "check":
        run, shown, namespace = check, _outcome, NAMESPACE
    else:
        run, shown, namespace = check_report, _shown, SUMMARY  # type: ignore[assignment]
    run(content, cache=True)
    before = shown(run(content, cache=True))
    assert len(fresh_checks) == 1
    CHANGES[change](content)
    after = run(content, cache=True)
    assert len(fresh_checks) == 2
    assert shown(after) == shown(run(content))
    assert entry == "check_report" or shown(after) != before  # a report may not show it
    assert shown(run(content, cache=True)) == shown(after)  # and the new one is kept
    assert len(fresh_checks) == 3 and len(_memo_files(tmp_path, namespace)) == 1


def test_another_code_fingerprint_misses(example: Path, tmp_path: Path,
                                         fresh_checks: list[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    content = _copy(example, tmp_path)
    check(content, cache=True)
    check(content, cache=True)
    assert len(fresh_checks) == 1
    monkeypatch.setattr(check_memo, "code_fingerprint", lambda: "another katalog")
    check(content, cache=True)
    assert len(fresh_checks) == 2


def test_the_label_the_messages_show_is_part_of_the_memo(small: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _edit(small / "proposals" / "A1.md", "2026: -3000", "2026: '-3000'")
    monkeypatch.chdir(small.parent)
    relative = check(Path("content"), cache=True)
    absolute = check(small.resolve(), cache=True)
    assert {i.path for i in relative.report.errors} == {"content/proposals/A1.md"}
    assert {i.path for i in check(Path("content"), cache=True).report.errors} == {
        "content/proposals/A1.md"}
    assert {i.path for i in check(small.resolve(), cache=True).report.errors} == {
        i.path for i in absolute.report.errors} == {f"{small.resolve()}/proposals/A1.md"}


def test_the_logo_beside_the_content_is_looked_at_again(small: Path,
                                                        fresh_checks: list[str]) -> None:
    _edit(small / "catalogue.yaml", "unit: 1000", "unit: 1000\nlook: {logo: logo.svg}")
    logo = small / "logo.svg"
    logo.write_bytes(SVG)
    assert check(small, cache=True).ok and check(small, cache=True).ok
    assert len(fresh_checks) == 1
    logo.write_bytes(b"not an image")
    assert [i.code for i in check(small, cache=True).report.errors] == ["logo-type"]
    assert len(fresh_checks) == 2
    logo.unlink()
    assert [i.code for i in check(small, cache=True).report.errors] == ["logo-missing"]
    logo.write_bytes(SVG)
    assert check(small, cache=True).ok
    assert len(fresh_checks) == 4
    assert check(small, cache=True).ok and len(fresh_checks) == 4


def test_a_changed_template_beside_the_content_is_built(example: Path, tmp_path: Path) -> None:
    """A check reads no template; the build that uses a memoised check still reads them."""
    content = _copy(example, tmp_path)
    css = tmp_path / "templates" / "html" / "assets" / "katalog.css"
    css.parent.mkdir(parents=True)
    css.write_text("/* one */\n", encoding="utf-8")
    build(content, tmp_path / "build", ["html"])
    assert (tmp_path / "build" / "html" / "assets" / "katalog.css").read_text() == "/* one */\n"
    css.write_text("/* two */\n", encoding="utf-8")
    build(content, tmp_path / "build", ["html"])
    assert (tmp_path / "build" / "html" / "assets" / "katalog.css").read_text() == "/* two */\n"


# -- a memo katalog did not write --------------------------------------------------------------


def _slot_path(content: Path) -> tuple[Store, str, Path]:
    store = Store.beside(content)
    key = check_memo.slot(content, os.fspath(content))
    assert store.folder is not None
    return store, key, store.folder / NAMESPACE / key[:2] / key


def _forged_outcome(content: Path) -> Any:
    """A true outcome of this content, with every proposal's title changed."""
    import dataclasses

    honest = check(content)
    cat = honest.catalogue
    lied = dataclasses.replace(cat, proposals=tuple(
        dataclasses.replace(p, title="Forfalsket") for p in cat.proposals))
    return lied, honest.report, honest.totals


class Remove:
    def __init__(self, victim: Path) -> None:
        self.victim = str(victim)

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.remove, (self.victim,))


@pytest.mark.parametrize("forgery", ["no key", "another key", "a function", "a foreign class"])
def test_a_planted_memo_is_refused(small: Path, tmp_path: Path, forgery: str,
                                   fresh_checks: list[str]) -> None:
    plain = _outcome(check(small))
    forged = _forged_outcome(small)
    check(small, cache=True)
    store, key, path = _slot_path(small)
    memo = CheckMemo(store, small, os.fspath(small), read_folder(small))
    header = b'{"inputs": "%s", "logo": null}\n' % memo.digest.encode()
    victim = tmp_path / "victim.txt"
    victim.write_text("x", encoding="utf-8")
    if forgery == "no key":  # a sound checksum over a lying outcome: what a commit can hold
        payload = header + pickle.dumps(forged)
        path.write_bytes(FORMAT + hashlib.sha256(payload).digest() + payload)
    elif forgery == "another key":
        Store(store.folder, b"x" * 32).put(NAMESPACE, key, header + pickle.dumps(
            _forged_outcome(small)))
    elif forgery == "a function":  # signed with this key (it leaked?): still never run
        store.put(NAMESPACE, key, header + pickle.dumps((Remove(victim), None, None)))
    else:
        store.put(NAMESPACE, key, header + pickle.dumps((Path("/etc"), None, None)))
    calls = len(fresh_checks)
    checked = check(small, cache=True)
    assert _outcome(checked) == plain and victim.exists()
    assert len(fresh_checks) == calls + 1  # checked again: the planted memo was refused
    assert "Forfalsket" not in {p.title for p in checked.catalogue.proposals}
    assert _outcome(check(small, cache=True)) == plain  # the honest memo was written anew
    assert len(fresh_checks) == calls + 1


def test_a_memo_of_other_inputs_is_not_used(small: Path, fresh_checks: list[str]) -> None:
    """A record signed with this key but made from other files (an older state of the
    folder, copied back into its slot) is a miss."""
    check(small, cache=True)
    store, key, path = _slot_path(small)
    old = path.read_bytes()
    _edit(small / "proposals" / "A1.md", "2026: -3000", "2026: -4000")
    new = _outcome(check(small, cache=True))
    path.write_bytes(old)
    assert _outcome(check(small, cache=True)) == new
    assert len(fresh_checks) == 3


# -- with a build, the command line and no cache -----------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_build_from_a_memoised_check_writes_the_same_bytes(
        example: Path, tmp_path: Path, fresh_checks: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    content = _copy(example, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(content, tmp_path / "plain", ["totals", "html"], cache=False)
    build(content, tmp_path / "cold", ["totals", "html"], cache=Store(tmp_path / "c"))
    build(content, tmp_path / "warm", ["totals", "html"], cache=Store(tmp_path / "c"))
    assert len(fresh_checks) == 2  # the warm build's check came from the memo
    assert _tree(tmp_path / "warm") == _tree(tmp_path / "cold") == _tree(tmp_path / "plain")
    runner = CliRunner()
    outputs = [runner.invoke(main, ["totals", "--format", "json", *flag, str(content)])
               for flag in (["--no-cache"], [], [])]
    assert len(fresh_checks) == 4
    assert {(r.exit_code, r.output) for r in outputs} == {(0, outputs[0].output)}


def test_no_cache_keeps_and_reads_no_memo(small: Path, tmp_path: Path,
                                          fresh_checks: list[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    monkeypatch.setenv("KATALOG_NO_CACHE", "1")
    first = runner.invoke(main, ["check", str(small)])
    assert not (tmp_path / FOLDER).exists()
    monkeypatch.delenv("KATALOG_NO_CACHE")
    runner.invoke(main, ["check", str(small)])
    assert len(_memo_files(tmp_path, SUMMARY)) == 1 and len(fresh_checks) == 2
    assert _memo_files(tmp_path) == []  # `katalog check` keeps no model
    monkeypatch.setenv("KATALOG_NO_CACHE", "1")
    again = runner.invoke(main, ["check", str(small)])
    assert len(fresh_checks) == 3 and again.output == first.output
    assert check(small, DocumentCache(Store(None))).ok and len(fresh_checks) == 4


def test_a_missing_content_folder_leaves_no_memo(tmp_path: Path) -> None:
    checked = check(tmp_path / "nothing", cache=True)
    assert [i.code for i in checked.report.errors] == ["missing-file"]
    assert not (tmp_path / FOLDER).exists()


def test_katalog_check_keeps_its_report_alone_and_gives_it_back(
        small: Path, tmp_path: Path, fresh_checks: list[str]) -> None:
    _edit(small / "proposals" / "A1.md", "2026: -3000", "2026: -3.000")
    plain = check(small)
    cold = check_report(small, cache=True)
    assert _memo_files(tmp_path) == [] and len(_memo_files(tmp_path, SUMMARY)) == 1
    warm = check_report(small, cache=True)
    assert len(fresh_checks) == 2
    for summary in (cold, warm):
        assert _shown(summary) == (_said(plain), len(plain.catalogue.themes),
                                   len(plain.catalogue.proposals))
        assert not summary.ok
    _edit(small / "proposals" / "A1.md", "2026: -3.000", "2026: -3000")
    check(small, cache=True)  # a whole check keeps the report too
    assert check_report(small, cache=True).ok and len(fresh_checks) == 3


@pytest.mark.parametrize("forgery", ["no key", "another key", "other inputs"])
def test_a_planted_report_is_refused(small: Path, tmp_path: Path, forgery: str,
                                     fresh_checks: list[str]) -> None:
    import json

    plain = _shown(check_report(small))
    check_report(small, cache=True)
    store, key, _ = _slot_path(small)
    assert store.folder is not None
    path = store.folder / SUMMARY / key[:2] / key
    memo = json.loads(path.read_bytes()[len(FORMAT) + 32:])
    memo["issues"] = []
    memo["proposals"] = 99
    payload = json.dumps(memo).encode("utf-8")
    if forgery == "no key":
        path.write_bytes(FORMAT + hashlib.sha256(payload).digest() + payload)
    elif forgery == "another key":
        Store(store.folder, b"x" * 32).put(SUMMARY, key, payload)
    else:  # signed with this key, but made from other files
        store.put(SUMMARY, key, json.dumps(memo | {"inputs": "0" * 64}).encode("utf-8"))
    calls = len(fresh_checks)
    assert _shown(check_report(small, cache=True)) == plain
    assert len(fresh_checks) == calls + 1


# -- per file: an edit loads one file again ----------------------------------------------------


@pytest.fixture
def fresh_files(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """The proposal files really loaded (by name) and the proposals whose totals were really
    computed (by id): what a memo per file did not give back."""
    from katalog import compute, load

    seen: dict[str, list[str]] = {"loaded": [], "totals": []}
    real_load, real_totals = load._proposal, compute.proposal_totals

    def loading(doc: Any, reading: Any, report: Any) -> Any:
        seen["loaded"].append(Path(doc.path).name)
        return real_load(doc, reading, report)

    def totals(p: Any, *args: Any) -> Any:
        seen["totals"].append(p.id)
        return real_totals(p, *args)

    monkeypatch.setattr(load, "_proposal", loading)
    monkeypatch.setattr(compute, "proposal_totals", totals)
    return seen


def _noisy(content: Path) -> Path:
    """Warnings in several files, so the order of the messages is part of what is compared."""
    _edit(content / "proposals" / "ADM-02.md", "\ntitle:", "\ntitel: x\ntitle:")
    _edit(content / "proposals" / "DIG-01.md", "\ntitle:", "\nstatuss: x\ntitle:")
    (content / "proposals" / "noter.txt").write_text("x", encoding="utf-8")
    return content


def _files_pack(tmp_path: Path) -> Path:
    return tmp_path / FOLDER / f"{check_memo.FILES}.pack"


@pytest.mark.parametrize("entry", ["check", "check_report"])
def test_an_edit_of_one_file_loads_it_alone_and_gives_what_a_fresh_check_gives(
        example: Path, tmp_path: Path, entry: str, fresh_files: dict[str, list[str]]) -> None:
    content = _noisy(_copy(example, tmp_path))
    run, shown = (check, _outcome) if entry == "check" else (check_report, _shown)
    run(content, cache=True)  # type: ignore[operator]
    count = len(fresh_files["loaded"])
    assert count == len(list((content / "proposals").glob("*.md")))
    _amount(content)
    fresh_files["loaded"].clear()
    fresh_files["totals"].clear()
    edited = run(content, cache=True)  # type: ignore[operator]
    assert fresh_files == {"loaded": ["ADM-01.md"], "totals": ["ADM-01"]}
    plain = run(content)  # type: ignore[operator]
    assert shown(edited) == shown(plain)  # type: ignore[operator]
    assert [i.code for i in plain.report.warnings] == ["ignored-file", "unknown-field",
                                                       "unknown-field"]
    _edit(content / "proposals" / "ADM-01.md", "2028: -3600", "2028: -3500")  # undone
    fresh_files["loaded"].clear()
    undone = run(content, cache=True)  # type: ignore[operator]
    assert fresh_files["loaded"] == []  # the file as it was is still kept
    assert shown(undone) == shown(run(content))  # type: ignore[operator]


def test_a_build_after_an_edit_writes_what_a_build_without_a_cache_writes(
        example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = _copy(example, tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(content, tmp_path / "cached", ["totals", "html"])
    _amount(content)  # and another line the other way: the declared totals still hold
    _edit(content / "proposals" / "ADM-01.md", "2028: -2500", "2028: -2400")
    theme = sorted((content / "themes").glob("*.md"))[0]
    theme.write_text(theme.read_text(encoding="utf-8") + "\nEt nyt afsnit.\n", encoding="utf-8")
    build(content, tmp_path / "cached", ["totals", "html"])
    build(content, tmp_path / "plain", ["totals", "html"], cache=False)
    assert _tree(tmp_path / "cached") == _tree(tmp_path / "plain")
    assert "Et nyt afsnit." in "".join(
        p.read_text(encoding="utf-8") for p in (tmp_path / "cached").rglob("*.html"))


@pytest.mark.parametrize("change", ["unit", "years", "salary", "title"])
def test_catalogue_yaml_loads_again_what_it_must(small: Path, change: str,
                                                 fresh_files: dict[str, list[str]]) -> None:
    """The unit and the years decide how every file is read: a change to them loads every
    file again; any change to the settings computes every proposal's totals again."""
    _edit(small / "proposals" / "A1.md", "2027: 500}", "2027: 0.500}")
    check(small, cache=True)
    fresh_files["loaded"].clear()
    fresh_files["totals"].clear()
    _edit(small / "catalogue.yaml", *{
        "unit": ("unit: 1000", "unit: 1000000"),  # 0.500 is no thousands-dot pitfall in mio.
        "years": ("years: [2026, 2027, 2028]", "years: [2026, 2027]"),
        "salary": ("average_salary: 500", "average_salary: 400"),
        "title": ("title: Budgetkatalog 2026", "title: Et andet katalog"),
    }[change])
    cached = check(small, cache=True)
    assert sorted(fresh_files["loaded"]) == (
        ["A1.md", "A2.md", "I1.md", "I2.md"] if change in ("unit", "years") else [])
    assert _outcome(cached) == _outcome(check(small))
    if change == "unit":
        assert cached.ok
    else:
        assert "thousands-dot" in {i.code for i in cached.report.errors}
    fresh_files["totals"].clear()
    assert _outcome(check(small, cache=True)) == _outcome(cached)  # the whole memo


def test_totals_are_computed_again_when_the_settings_change(
        small: Path, fresh_files: dict[str, list[str]]) -> None:
    check(small, cache=True)
    fresh_files["totals"].clear()
    fresh_files["loaded"].clear()
    _edit(small / "catalogue.yaml", "average_salary: 500", "average_salary: 400")
    cached = check(small, cache=True)
    assert sorted(fresh_files["totals"]) == ["A1", "A2", "I1", "I2"]
    assert fresh_files["loaded"] == [] and _outcome(cached) == _outcome(check(small))


def _signed_pack(store: Store, entries: dict[str, bytes]) -> None:
    store.write_pack(check_memo.FILES, entries)


@pytest.mark.parametrize("forgery", ["no key", "another key", "a function", "a foreign class",
                                     "damaged", "a theme for a proposal"])
def test_a_tampered_file_memo_is_ignored(small: Path, tmp_path: Path, forgery: str,
                                         fresh_files: dict[str, list[str]]) -> None:
    import dataclasses

    _edit(small / "proposals" / "A2.md", "\ntitle:", "\ntitel: x\ntitle:")  # a warning
    plain = _outcome(check(small))
    check(small, cache=True)
    store = Store.beside(small)
    entries = store.read_pack(check_memo.FILES)
    assert len(entries) == 1 + 3 + 4 + 4  # catalogue.yaml, themes, proposals, their totals
    victim = tmp_path / "victim.txt"
    victim.write_text("x", encoding="utf-8")
    forged: dict[str, bytes] = {}
    for key, entry in entries.items():
        head, _, blob = entry.partition(b"\n")
        value = pickle.loads(blob) if blob else None
        if forgery in ("no key", "another key") and hasattr(value, "title"):
            value = dataclasses.replace(value, title="Forfalsket")
        elif forgery == "a function":
            value = Remove(victim)
        elif forgery == "a foreign class":
            value = Path("/etc")
        elif forgery == "a theme for a proposal" and type(value).__name__ == "Proposal":
            value = check(small).catalogue.themes[0]
        data = pickle.dumps(value) if value is not None else b""
        if forgery == "damaged":
            data = data[: len(data) // 2]
        forged[key] = head + b"\n" + data
    if forgery == "no key":  # a sound checksum over a lying pack: what a commit can hold
        from katalog.cache import _pack_entries

        payload = _pack_entries(forged)
        _files_pack(tmp_path).write_bytes(FORMAT + hashlib.sha256(payload).digest() + payload)
    elif forgery == "another key":
        _signed_pack(Store(store.folder, b"x" * 32), forged)
    else:  # signed with this key (it leaked?): still nothing but katalog's data is made
        _signed_pack(store, forged)
    _edit(small / "proposals" / "I1.md", "2026: -1001", "2026: -1002")  # the whole memo misses
    fresh_files["loaded"].clear()
    checked = check(small, cache=True)
    assert sorted(fresh_files["loaded"]) == ["A1.md", "A2.md", "I1.md", "I2.md"]
    assert victim.exists()
    assert "Forfalsket" not in {p.title for p in checked.catalogue.proposals}
    assert _outcome(checked) == _outcome(check(small))
    assert plain != _outcome(checked)  # (the edit shows)


def test_a_file_that_failed_to_load_unexpectedly_is_not_kept(
        small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from katalog import load

    plain = _outcome(check(small))
    real = load._proposal

    def broken(doc: Any, reading: Any, report: Any) -> Any:
        if doc.path.endswith("A1.md"):
            raise MemoryError("for a moment")
        return real(doc, reading, report)

    with monkeypatch.context() as patched:
        patched.setattr(load, "_proposal", broken)
        failed = check(small, cache=True)
    assert [i.code for i in failed.report.errors] == ["internal"]
    _edit(small / "proposals" / "I1.md", "2026: -1001", "2026: -1002")
    assert _outcome(check(small, cache=True)) == _outcome(check(small)) != plain


def test_a_whole_memo_whose_parts_do_not_add_up_is_a_miss(small: Path,
                                                         fresh_checks: list[str]) -> None:
    check(small, cache=True)
    store, key, path = _slot_path(small)
    record = store.get(NAMESPACE, key)
    assert record is not None
    head, _, body = record.partition(b"\n")
    import json

    header = json.loads(head)
    assert len(header["parts"]) > 1  # the proposals and their totals, stored as they were kept
    for sizes in ([*header["parts"][:-1], header["parts"][-1] + 1], [sum(header["parts"])]):
        store.put(NAMESPACE, key, json.dumps(header | {"parts": sizes}).encode() + b"\n" + body)
        calls = len(fresh_checks)
        assert _outcome(check(small, cache=True)) == _outcome(check(small))
        assert len(fresh_checks) == calls + 2  # the memo was not used


def test_the_parsed_files_are_kept_while_a_memo_gives_them_back(
        example: Path, tmp_path: Path) -> None:
    """After an edit only the edited file is parsed (without reading the content cache's
    pack); the pack still holds every other file for a change of the catalogue's unit."""
    from katalog.content_cache import PACK

    content = _copy(example, tmp_path)
    check(content, cache=True)
    store = Store.beside(content)
    parsed = store.read_pack(PACK)
    _amount(content)
    check(content, cache=True)
    assert store.read_pack(PACK) == parsed
    _edit(content / "catalogue.yaml", "unit: 1000", "unit: 1000000")
    cache = DocumentCache.beside(content)
    assert _outcome(check(content, cache)) == _outcome(check(content))
    assert (cache.hits, cache.misses) == (len(parsed) - 2, 2)  # catalogue.yaml and ADM-01 new


def test_files_loaded_ahead_in_the_pool_give_what_one_process_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold check of many files loads themes and proposals in the pool's workers, with the
    parsing (`load.load_ahead`): the same messages, model and totals as a check in one
    process, the same entries in both packs, and a warm check gives them back."""
    from katalog import content_cache, load, parallel
    from katalog.content_cache import PACK
    from test_bench_generate import gen

    content = gen.generate(tmp_path / "gen", 20)
    _edit(content / "proposals" / sorted(os.listdir(content / "proposals"))[3],
          "\ntitle:", "\ntitel: x\ntitle:")  # a warning from loading
    (content / "proposals" / "X-yaml.md").write_text("---\nid: X1\ntitle: [uafsluttet\n---\n",
                                                     encoding="utf-8")  # one from parsing
    (content / "proposals" / "X-copy.md").write_bytes(
        (content / "proposals" / "X-yaml.md").read_bytes())  # the same bytes twice
    plain = _outcome(check(content))
    monkeypatch.setenv("KATALOG_WORKERS", "1")
    alone = DocumentCache(Store(tmp_path / "alone"))
    assert _outcome(check(content, alone)) == plain

    monkeypatch.setenv("KATALOG_WORKERS", "2")
    monkeypatch.setattr(content_cache, "PARALLEL_MIN_FILES", 2)
    pooled: list[int] = []
    real_map = parallel.map_processes

    def spy(fn: Any, items: Any, *args: Any, **kw: Any) -> Any:
        pooled.append(len(items))
        return real_map(fn, items, *args, **kw)

    here: list[str] = []  # files loaded in this process (a worker's calls are not seen)
    real_load = load._proposal

    def loading(doc: Any, reading: Any, report: Any) -> Any:
        here.append(Path(doc.path).name)
        return real_load(doc, reading, report)

    monkeypatch.setattr(parallel, "map_processes", spy)
    monkeypatch.setattr(load, "_proposal", loading)
    ahead = DocumentCache(Store(tmp_path / "ahead"))
    assert _outcome(check(content, ahead)) == plain
    assert pooled and here == []  # every proposal was loaded in a worker
    assert ahead.misses == alone.misses
    for name in (PACK, check_memo.FILES):
        assert ahead.store.read_pack(name) == alone.store.read_pack(name)
    _edit(content / "proposals" / "X-yaml.md", "X1", "X2")  # the whole memo misses
    edited = _outcome(check(content))
    here.clear()
    warm = DocumentCache(Store(tmp_path / "ahead"))
    assert _outcome(check(content, warm)) == edited
    assert here == [] and warm.hits == 0  # the per-file memo gave every proposal back
