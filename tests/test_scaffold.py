"""scaffold: `katalog new` writes a complete, valid, commented proposal or refuses in Danish."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from katalog.cli import main
from katalog.fmt import format_bytes
from katalog.load import PROPOSAL_KEYS
from katalog.pipeline import check
from katalog.scaffold import NewProposal, ScaffoldError, new_proposal, yaml_scalar
from katalog.source import read_document


@pytest.fixture
def content(tmp_path: Path, example: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(example, target)
    return target


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_new_file_passes_check_and_names_every_field(content):
    result = run("new", "ADM-99", "--theme", "administration", "--department", "SOF",
                 "--title", "Færre: møder & \"rapporter\"", "--content", str(content))
    assert result.exit_code == 0, result.output
    path = content / "proposals" / "ADM-99.md"
    doc = read_document(path.read_bytes(), str(path), front_matter=True)
    assert doc.data["id"] == "ADM-99"
    assert doc.data["title"] == 'Færre: møder & "rapporter"'
    assert doc.data["theme"] == "administration" and doc.data["department"] == "SOF"
    text = path.read_text(encoding="utf-8")
    for key in PROPOSAL_KEYS:  # every field is there, as a key or (fte) as an example comment
        assert f"\n{key}:" in text or f"\n# {key}:" in text, key
    comments = [l for l in text.split("---")[1].splitlines() if "#" in l]
    assert len(comments) >= len(PROPOSAL_KEYS)
    checked = check(content)
    assert checked.ok, [i.format() for i in checked.report.sorted()]
    assert not [i for i in checked.report.issues if "ADM-99" in i.path]
    new = next(p for p in checked.catalogue.proposals if p.id == "ADM-99")
    assert new.status == "udkast" and new.price_level == checked.catalogue.settings.price_level
    assert set(new.lines[0].amounts) == set(checked.catalogue.settings.years)
    # an unfinished draft does not count: totals equal those without it
    path.unlink()
    assert check(content).totals.total == checked.totals.total


def test_new_file_is_already_formatted(content):
    path = new_proposal(content, NewProposal("X1", "digitalisering", "BUF"))
    raw = path.read_bytes()
    assert format_bytes(raw, path) == raw


@pytest.mark.parametrize(
    "args, expected",
    [
        (["ADM-01", "--theme", "administration", "--department", "SOF"], "findes allerede"),
        (["ADM 7", "--theme", "administration", "--department", "SOF"], "ugyldigt"),
        (["ADM-77", "--theme", "administratoin", "--department", "SOF"],
         "ukendt tema 'administratoin' – mente du 'administration'?"),
        (["ADM-77", "--theme", "administration", "--department", "SOFF"],
         "ukendt forvaltning 'SOFF' – mente du 'SOF'?"),
    ],
)
def test_refusals_exit_1_in_danish_and_write_nothing(content, args, expected):
    before = sorted(p.name for p in (content / "proposals").iterdir())
    result = run("new", *args, "--content", str(content))
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in (content / "proposals").iterdir()) == before


def test_id_used_in_another_file_is_refused(content):
    (content / "proposals" / "ADM-01.md").rename(content / "proposals" / "andet-navn.md")
    with pytest.raises(ScaffoldError, match="allerede brugt"):
        new_proposal(content, NewProposal("ADM-01", "administration", "SOF"))


def test_merged_theme_points_to_the_target(small):
    with pytest.raises(ScaffoldError, match="slået sammen med 'administration'"):
        new_proposal(small, NewProposal("N1", "gammelt", "SOF"))


def test_missing_content_folder_is_usage_error(tmp_path):
    result = run("new", "A", "--theme", "x", "--department", "y", "--content", str(tmp_path / "nej"))
    assert result.exit_code == 2


@pytest.mark.parametrize("title", ["Almindelig titel", "Titel: med kolon", "# hash", "true",
                                   "2027", "- dash", "'citat'", "a\\b", "Ja"])
def test_yaml_scalar_round_trips(title):
    doc = read_document(f"---\ntitle: {yaml_scalar(title)}\n---\n".encode(), "x.md", True)
    assert doc.data["title"] == title


def test_template_beside_the_content_overrides_the_default(content):
    custom = content.parent / "templates" / "new"
    custom.mkdir(parents=True)
    (custom / "proposal.md.j2").write_text(
        "---\nid: {{ id }}\ntitle: {{ title | yaml }}\ntheme: {{ theme }}\n"
        "department: {{ department }}\nsummary: Eget resumé\neconomy: []\n---\nEgen skabelon.\n",
        encoding="utf-8")
    path = new_proposal(content, NewProposal("EGEN-1", "administration", "SOF", "Egen"))
    assert path.read_text(encoding="utf-8").endswith("Egen skabelon.\n")
    assert check(content).ok


@pytest.mark.parametrize("body, reason", [
    ('{{ cycler.__init__.__globals__.os.popen("id").read() }}', "__init__"),
    ("{% set x = [] %}{{ x.append(1) }}", "append"),
])
def test_a_templates_folder_from_a_pull_request_cannot_run_code(content, body, reason):
    """The proposal template beside the content is rendered in the sandbox: reaching into
    Python stops `katalog new` with a Danish message naming the template and its line, and
    nothing is written."""
    custom = content.parent / "templates" / "new"
    custom.mkdir(parents=True)
    (custom / "proposal.md.j2").write_text(f"---\nid: {{{{ id }}}}\n---\n{body}\n",
                                           encoding="utf-8")
    result = run("new", "XX-99", "--theme", "administration", "--department", "BUF",
                 "--content", str(content))
    assert result.exit_code == 1, result.output
    assert "Forslaget er ikke oprettet" in result.output and reason in result.output
    assert "proposal.md.j2:4" in result.output and "Traceback" not in result.output
    assert not (content / "proposals" / "XX-99.md").exists()


def test_a_symlinked_or_broken_template_is_refused_in_danish(content, tmp_path):
    custom = content.parent / "templates" / "new"
    custom.mkdir(parents=True)
    outside = tmp_path / "elsewhere.j2"
    outside.write_text("---\nid: {{ id }}\n---\n", encoding="utf-8")
    (custom / "proposal.md.j2").symlink_to(outside)
    args = ("new", "XX-98", "--theme", "administration", "--department", "BUF",
            "--content", str(content))
    result = run(*args)
    assert result.exit_code == 1 and "Forslaget er ikke oprettet" in result.output
    assert "symbolsk" in result.output or "link" in result.output, result.output
    (custom / "proposal.md.j2").unlink()
    (custom / "proposal.md.j2").write_text("---\n{% if %}\nid: x\n---\n", encoding="utf-8")
    result = run(*args)
    assert result.exit_code == 1 and "proposal.md.j2:2: skabelonen kan ikke læses" in result.output
    assert not (content / "proposals" / "XX-98.md").exists()


# -- ids and files that cannot be created (issue 18) -------------------------------------------


@pytest.mark.parametrize("bad", [".hidden", "..", ".", "-rf", "CON", "nul", "aux.md", "com1",
                                 "LPT9.txt"])
def test_ids_that_make_bad_files_are_refused(content, bad):
    before = sorted(p.name for p in (content / "proposals").iterdir())
    result = run("new", "--theme", "administration", "--department", "SOF",
                 "--content", str(content), "--", bad)
    assert result.exit_code == 1, result.output
    assert "ugyldigt" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in (content / "proposals").iterdir()) == before


def test_id_differing_only_in_case_is_refused(content):
    with pytest.raises(ScaffoldError, match="store/små bogstaver"):
        new_proposal(content, NewProposal("adm-01", "administration", "SOF"))


def test_dangling_symlink_at_the_target_is_refused_in_danish(content, tmp_path):
    link = content / "proposals" / "NY-1.md"
    link.symlink_to(tmp_path / "findes-ikke.md")
    result = run("new", "NY-1", "--theme", "administration", "--department", "SOF",
                 "--content", str(content))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "findes allerede" in result.output and "symbolsk link" in result.output
    assert not (tmp_path / "findes-ikke.md").exists()  # nothing written through the link


def test_read_only_content_gives_a_danish_message(content):
    import os

    if os.geteuid() == 0:
        pytest.skip("root can write into read-only folders")
    folder = content / "proposals"
    folder.chmod(0o555)
    try:
        result = run("new", "NY-2", "--theme", "administration", "--department", "SOF",
                     "--content", str(content))
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "kan ikke skrives" in result.output


def test_unwritable_target_raises_scaffold_error(content, monkeypatch):
    # Also as root: the write itself fails (as on read-only content) → a Danish message.
    import katalog.scaffold as scaffold

    def refuse(path, data, mode=None):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(scaffold, "create_exclusive", refuse)
    with pytest.raises(ScaffoldError, match="kan ikke skrives.*skriveadgang"):
        new_proposal(content, NewProposal("NY-3", "administration", "SOF"))


# -- hints in the catalogue's unit (SPEC §7) -----------------------------------------------------


def test_scaffold_hints_use_the_catalogue_unit(small):
    text_thousands = (small / "catalogue.yaml").read_text(encoding="utf-8")
    path = new_proposal(small, NewProposal("N1", "administration", "SOF"))
    thousands = path.read_text(encoding="utf-8")
    assert "minus (-500)" in thousands and "uden tusindtalspunktum (6000, ikke 6.000)" in thousands
    path.unlink()
    (small / "catalogue.yaml").write_text(
        text_thousands.replace("unit: 1000", "unit: 1000000\nsavings_sign: positive")
        .replace("average_salary: 500", "average_salary: 0.5")
        .replace("-10000", "-10"), encoding="utf-8")
    path = new_proposal(small, NewProposal("N2", "administration", "SOF"))
    millions = path.read_text(encoding="utf-8")
    assert "Beløb i mio. kr." in millions
    assert "plus (0.5)" in millions and "minus (-0.5)" in millions
    assert "tusindtalspunktum" not in millions and "-500" not in millions
    assert "decimaler med punktum" in millions
    assert check(small).ok, [i.format() for i in check(small).report.sorted()]
