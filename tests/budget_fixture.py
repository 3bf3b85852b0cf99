"""A small catalogue through its budget year (SPEC §8), with figures worked out by hand.

conftest.SMALL (years 2026-2028, targets -10000 a year, SOF 62,5 % / BUF 37,5 %) after the
council's decision and two budget revisions:

  A1 (SOF) vedtaget with the council's amounts {2027: -4500}
      proposed 2000 / -5500 / -6000 → adopted 2000 / -4500 / -6000 (council change 0/+1000/0)
      BO1: gul, expected {2026: 2500};  BO2: rød, expected {2026: 3000, 2028: -5000}
      → expected 3000 / -4500 / -5000, gap 1000 / 0 / 1000
  A2 (BUF) forkastet (status forkastet): not adopted, not counted
  A3 (BUF) udskudt (status forslag): not adopted, still counted in the catalogue
  I1 (BUF, allocation nøgle) vedtaget as proposed: -1001 / 0
      BO1: grøn;  BO2: gul, expected {2026: {low: -900, high: -700}}
      → gap 2026 101–301 (a range), 2027 0
  I2 trukket, no decision
  I3 (SOF) status vedtaget without a decision (adopted as proposed earlier): -500 / -500 / "?"
      no realisation entry: expected = adopted, gap 0 / 0 / 0 (the "?" year too)

Adopted total 499 / -5000 / -6000 + ?; expected 1600–1800 / -5000 / -5000 + ?;
gap 1101–1301 / 0 / 1000; adopted difference (target − adopted) -10499 / -5000 / -4000 − ?.
"""

from __future__ import annotations

from conftest import SMALL

A1_DECISION = """\
    decision:
      outcome: vedtaget
      date: 2025-10-09
      reference: Byrådet 9.10.2025, pkt. 4
      amounts: {2027: -4500}
      note: Byrådet udskød en del af besparelsen.
"""
A1_BO1 = """\
    realisation:
      - revision: BO1 2026
        date: 2026-04-30
        expected: {2026: 2500}
        status: gul
        comment: Flytningen er forsinket.
"""
A1_BO2 = """\
      - revision: BO2 2026
        date: 2026-08-31
        expected: {2026: 3000, 2028: -5000}
        status: rød
        comment: Lejemålet kan først opsiges i 2028.
"""
I1_BO1 = """\
    decision: {outcome: vedtaget, date: 2025-10-09, reference: "Byrådet 9.10.2025, pkt. 4"}
    realisation:
      - {revision: BO1 2026, date: 2026-04-30, status: grøn, comment: Robotterne kører.}
"""
I1_BO2 = """\
      - revision: BO2 2026
        date: 2026-08-31
        expected: {2026: {low: -900, high: -700}}
        status: gul
        comment: Færre sager end ventet egner sig til robotterne.
"""


def _before_end(text: str, extra: str) -> str:
    """`text` (a proposal file of SMALL) with `extra` front matter added before its closing
    `---` and its status set by the caller."""
    head, sep, rest = text.rpartition("        ---\n")
    assert sep, text
    return head + extra.replace("\n    ", "\n        ").replace("    ", "        ", 1) \
        + sep + rest


def _status(text: str, status: str) -> str:
    assert "status:" not in text or "status: trukket" in text
    return text.replace("        summary:", f"        status: {status}\n        summary:", 1)


def proposed_files() -> dict[str, str]:
    """The same catalogue as proposed, before the council's decision: A3 and I3 as they
    stand (I3 was adopted earlier), no decision anywhere, A1, A2 and I1 `forslag`."""
    files = budget_files(0)
    files["proposals/A1.md"] = SMALL["proposals/A1.md"]
    files["proposals/A2.md"] = SMALL["proposals/A2.md"]
    files["proposals/I1.md"] = SMALL["proposals/I1.md"]
    files["proposals/A3.md"] = files["proposals/A3.md"].replace(
        "        decision: {outcome: udskudt, date: 2025-10-09, note: Behandles igen næste år.}\n",
        "")
    return files


def budget_files(revisions: int = 2) -> dict[str, str]:
    """SMALL after the decision (`revisions=0`), BO1 (1) or BO2 (2), as `write_tree` takes
    it."""
    files = dict(SMALL)
    a1 = _status(SMALL["proposals/A1.md"], "vedtaget")
    i1 = _status(SMALL["proposals/I1.md"], "vedtaget")
    a1_extra, i1_extra = A1_DECISION, I1_BO1.split("    realisation:")[0]
    if revisions >= 1:
        a1_extra += A1_BO1
        i1_extra = I1_BO1
    if revisions >= 2:
        a1_extra += A1_BO2
        i1_extra += I1_BO2
    files["proposals/A1.md"] = _before_end(a1, a1_extra)
    files["proposals/I1.md"] = _before_end(i1, i1_extra)
    files["proposals/A2.md"] = _before_end(
        _status(SMALL["proposals/A2.md"], "forkastet"),
        "    decision: {outcome: forkastet, date: 2025-10-09}\n")
    files["proposals/A3.md"] = """
        ---
        id: A3
        title: Færre abonnementer
        theme: administration
        department: BUF
        summary: Færre abonnementer.
        economy:
          - {text: Abonnementer, area: service, group: varig, amounts: {2026: -300}}
        decision: {outcome: udskudt, date: 2025-10-09, note: Behandles igen næste år.}
        ---
        """
    files["proposals/I3.md"] = """
        ---
        id: I3
        title: Færre licenser
        theme: it
        department: SOF
        status: vedtaget
        summary: Færre licenser.
        economy:
          - text: Licenser
            area: service
            group: varig
            amounts: {2026: -500, 2027: -500, 2028: "?"}
        ---
        """
    return files
