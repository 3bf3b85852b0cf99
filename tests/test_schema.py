"""schema: JSON Schema (2020-12) consistent with the validator and committed for editors."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from katalog.cli import main
from katalog.load import CATALOGUE_KEYS, PROPOSAL_KEYS, THEME_KEYS, load
from katalog.model import AREAS, GROUPS, KINDS, STATUSES
from katalog.schema import NAMES, SCHEMAS, file_name, to_json
from katalog.source import read_document

ROOT = Path(__file__).resolve().parent.parent


def as_json(value: Any) -> Any:
    """YAML data as an editor's YAML language server sees it (keys as text, plain numbers)."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def validator(name: str, cat=None) -> Draft202012Validator:
    schema = SCHEMAS[name](cat)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def front(path: Path) -> Any:
    return as_json(read_document(path.read_bytes(), str(path), path.suffix == ".md").data)


def test_example_content_validates(example):
    files = [("catalogue", example / "catalogue.yaml")]
    files += [("theme", p) for p in sorted((example / "themes").glob("*.md"))]
    files += [("proposal", p) for p in sorted((example / "proposals").glob("*.md"))]
    assert len(files) > 40
    for name, path in files:
        errors = [e.message for e in validator(name).iter_errors(front(path))]
        assert errors == [], (path, errors)
    cat = load(example)[0]
    for name, path in files:  # also against the schemas specialised to the example catalogue
        assert list(validator(name, cat).iter_errors(front(path))) == [], path


GOOD = {
    "id": "ADM-04", "title": "T", "theme": "administration", "department": "SOF",
    "summary": "S", "economy": [{"text": "L", "area": "service", "group": "varig",
                                 "amounts": {"2027": -6000, "2028": "?"}}],
}


def changed(path: tuple, value: Any) -> dict:
    data = json.loads(json.dumps(GOOD))
    target = data
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    "path, value",
    [
        (("status",), "Forslag"),                       # wrong case
        (("kind",), "besparelse"),                      # unknown kind
        (("economy", 0, "area"), "drift"),              # unknown area
        (("economy", 0, "group"), "varigt"),            # unknown group
        (("economy", 0, "amounts", "2027"), "-6.000"),  # quoted thousands dot
        (("economy", 0, "amounts", "2027"), "1,5"),     # decimal comma
        (("economy", 0, "amounts", "2027"), "ukendt"),  # text instead of "?"
        (("economy", 0, "amounts", "år 2027"), 5),      # not a year
        (("economy", 0, "amounts"), KeyError),          # missing amounts
        (("summary",), KeyError),                       # missing required field
        (("title",), ""),                               # empty required field
        (("id",), "ADM 04"),                            # space in id
        (("titel",), "T"),                              # Danish key: unknown field
        (("economy",), {"text": "L"}),                  # not a list
        (("consulted",), [{"party": "X", "date": "7/8-2026"}]),  # not an ISO date
        (("allocation",), "nogle andre"),
    ],
)
def test_typical_mistakes_do_not_validate(path, value):
    assert list(validator("proposal").iter_errors(GOOD)) == []
    assert list(validator("proposal").iter_errors(changed(path, value)))


def test_specialised_schema_knows_the_catalogue(example):
    cat = load(example)[0]
    v = validator("proposal", cat)
    assert list(v.iter_errors(GOOD)) == []
    assert list(v.iter_errors(changed(("theme",), "administratoin")))
    assert list(v.iter_errors(changed(("department",), "XYZ")))
    assert list(v.iter_errors(changed(("economy", 0, "amounts", "2031"), 1)))  # outside years


def test_schemas_are_derived_from_the_validator():
    proposal, theme, catalogue = (SCHEMAS[n](None) for n in ("proposal", "theme", "catalogue"))
    assert list(proposal["properties"]) == list(PROPOSAL_KEYS)
    assert list(theme["properties"]) == list(THEME_KEYS)
    assert list(catalogue["properties"]) == list(CATALOGUE_KEYS)
    assert proposal["properties"]["status"]["enum"] == list(STATUSES)
    assert proposal["properties"]["kind"]["enum"] == [*KINDS, None]
    line = proposal["properties"]["economy"]["items"]["properties"]
    assert line["area"]["enum"] == list(AREAS) and line["group"]["enum"] == list(GROUPS)
    for schema in (proposal, theme, catalogue):
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert all(p.get("description") for p in schema["properties"].values())


@pytest.mark.parametrize("name", NAMES)
def test_committed_schema_files_equal_the_command_output(name):
    result = CliRunner().invoke(main, ["schema", name])
    assert result.exit_code == 0
    committed = (ROOT / "schemas" / file_name(name)).read_text(encoding="utf-8")
    assert committed == result.output == to_json(name), \
        f"schemas/{file_name(name)} is stale: run `katalog schema --out schemas`"


def test_editor_settings_point_at_the_committed_schemas():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    targets = {Path(k).name for k in settings["yaml.schemas"]}
    assert targets == {file_name(n) for n in NAMES}
    for schema_path in settings["yaml.schemas"]:
        assert (ROOT / schema_path).is_file()


def test_cli_out_and_usage(tmp_path, example):
    runner = CliRunner()
    result = runner.invoke(main, ["schema", "--out", str(tmp_path / "s"), "--content", str(example)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "s" / "proposal.schema.json").read_text(encoding="utf-8"))
    assert "administration" in data["properties"]["theme"]["enum"]
    assert runner.invoke(main, ["schema"]).exit_code == 2
    assert runner.invoke(main, ["schema", "forslag"]).exit_code == 2


# -- schema --out writes safely (issue 18) ---------------------------------------------------

from katalog.schema import SchemaOutError, write_schemas  # noqa: E402


def test_out_replaces_its_own_files(tmp_path):
    written = write_schemas(tmp_path / "s")
    assert [p.name for p in written] == [file_name(n) for n in NAMES]
    (tmp_path / "s" / "theme.schema.json").write_text(to_json("theme").replace(
        "Temaets titel.", "gammel"), encoding="utf-8")
    write_schemas(tmp_path / "s")  # a schema katalog wrote (older): replaced
    assert (tmp_path / "s" / "theme.schema.json").read_text(encoding="utf-8") == to_json("theme")


def test_out_never_overwrites_another_file(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "proposal.schema.json").write_text('{"mine": true}', encoding="utf-8")
    with pytest.raises(SchemaOutError, match="ikke et skema, katalog har skrevet"):
        write_schemas(folder)
    assert (folder / "proposal.schema.json").read_text(encoding="utf-8") == '{"mine": true}'
    assert not (folder / "catalogue.schema.json").exists()  # nothing written at all


def test_out_never_writes_through_a_symlink(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    victim = tmp_path / "victim.json"
    victim.write_text(to_json("theme"), encoding="utf-8")  # even one that looks like ours
    (folder / "theme.schema.json").symlink_to(victim)
    with pytest.raises(SchemaOutError, match="symbolsk link"):
        write_schemas(folder)
    dangling = tmp_path / "d"
    dangling.mkdir()
    (dangling / "catalogue.schema.json").symlink_to(tmp_path / "nowhere.json")
    with pytest.raises(SchemaOutError, match="symbolsk link"):
        write_schemas(dangling)
    assert not (tmp_path / "nowhere.json").exists()
    linked = tmp_path / "linked"
    linked.symlink_to(folder)
    with pytest.raises(SchemaOutError, match="symbolsk link"):
        write_schemas(linked)


def test_out_that_is_a_file_is_a_clear_error(tmp_path):
    target = tmp_path / "schema.json"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(SchemaOutError, match="er en fil, ikke en mappe"):
        write_schemas(target)
    assert target.read_text(encoding="utf-8") == "x"


def test_schemas_know_the_new_fields():
    proposal = SCHEMAS["proposal"](None)["properties"]
    v = validator("proposal")
    good = json.loads(json.dumps(GOOD))
    good["economy"][0]["amounts"]["2028"] = {"low": 3.5, "high": 5.5}
    good |= {"alternative_to": "ADM-01", "chosen": True, "note": "**Note**", "fte": "?",
             "allocation": {"amounts": {"SOF": 100}, "from": 2027}}
    assert list(v.iter_errors(good)) == []
    assert list(v.iter_errors(changed(("id",), ".skjult")))
    assert list(v.iter_errors(changed(("id",), "CON")))
    assert list(v.iter_errors(changed(("id",), "com1.md")))
    assert list(v.iter_errors(changed(("id",), "console"))) == []
    assert "alternative_to" in proposal and "note" in proposal
    catalogue = validator("catalogue")
    cat = {"title": "K", "organisation": "O", "years": [2026], "price_level": 2026,
           "look": {"accent": "#7a1f3d", "page_break": "flow"}, "decimals": 1,
           "labels": {"difference": "Rest"}}
    assert list(catalogue.iter_errors(cat)) == []
    cat["labels"] = {"diference": "Rest"}
    assert list(catalogue.iter_errors(cat))
