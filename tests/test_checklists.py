"""Checklists (issue 15): coverage findings, the real checklists and their cited sources.

tests/fixtures/warnings/<case>.yml have the same two header lines as the invalid fixtures
(target, expect); they give a warning, so the check exits 0, and 1 under --strict.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from rutinebok.cli import main
from rutinebok.coverage import routine_coverage
from rutinebok.findings import Finding, Report
from rutinebok.load import load_dataset

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid"
WARNINGS = FIXTURES / "warnings"
DATA = Path(__file__).parent.parent / "data"
TODAY = "2026-11-22"


def _check(capsys, data: Path, *extra: str):
    capsys.readouterr()
    code = main(["check", "--data", str(data), "--today", TODAY, "--format", "json", *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


@pytest.mark.parametrize("name", sorted(p.stem for p in WARNINGS.glob("*.yml")))
def test_warning_case_gives_its_finding_and_fails_only_under_strict(name, tmp_path, capsys):
    text = (WARNINGS / f"{name}.yml").read_text(encoding="utf-8")
    target = re.search(r"^# target: (.*)$", text, re.MULTILINE).group(1)
    spec, *fragments = [p.strip() for p in re.search(r"^# expect: (.*)$", text, re.MULTILINE).group(1).split(" | ")]
    code_, pos, *first = spec.split(None, 2)
    line, col = (int(x) for x in pos.split(":"))
    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    (data / target).write_text(text, encoding="utf-8")
    code, report, err = _check(capsys, data)
    assert err == ""
    assert code == 0, report["findings"]
    assert report["summary"]["errors"] == 0, report["findings"]
    hits = [f for f in report["findings"] if f["code"] == code_ and (f["line"], f["column"]) == (line, col)]
    assert hits, report["findings"]
    assert hits[0]["severity"] == "warning"
    shown = Finding(**{k: hits[0][k] for k in ("code", "severity", "message", "file", "line", "column",
                                                 "path", "hint")}).format()
    for fragment in [*first, *fragments]:
        assert fragment in shown, shown
    code, _, _ = _check(capsys, data, "--strict")
    assert code == 1


def _coverage(data: Path, routine: str):
    ds = load_dataset(data, Report())
    return {c.checklist.id: c for c in routine_coverage(ds.routines[routine], ds.by_kind("checklists"))}


def test_valid_fixture_covers_every_item_with_sub_items_and_a_reason():
    [cov] = _coverage(VALID, "rutine").values()
    status = {i.item.id: i.status for i in cov.items}
    assert status == {"samarbeidsmote": "dekket", "ny-beboer": "dekket", "internkontroll": "gjelder-ikke"}
    assert cov.words == "Dekker 2 av 3 punkter, 1 gjelder ikke"


def test_covering_part_without_what_the_item_asks_for_is_weak(tmp_path):
    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    path = data / "routines" / "rutine.yml"
    # Without the meeting, the section still has an actor but says nothing about how often.
    text = path.read_text(encoding="utf-8")
    start = text.index("      - meeting:")
    end = text.index("change_log:")
    text = text[:start] + text[end:]
    text = text.replace("          frequency: {times: 2, per: år}\n", "")
    path.write_text(text, encoding="utf-8")
    cov = _coverage(data, "rutine")["krav"]
    weak = {i.item.id: i for i in cov.items}["samarbeidsmote"]
    assert weak.status == "svakt" and weak.missing == ["hyppighet"]
    assert cov.words == "Dekker 2 av 3 punkter (1 svakt), 1 gjelder ikke"


def test_sub_items_covered_one_by_one(tmp_path):
    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    path = data / "routines" / "rutine.yml"
    text = path.read_text(encoding="utf-8").replace("covers: [samarbeidsmote, ny-beboer]",
                                                    "covers: [samarbeidsmote, forste-kontakt]")
    path.write_text(text, encoding="utf-8")
    item = {i.item.id: i for i in _coverage(data, "rutine")["krav"].items}["ny-beboer"]
    assert item.status == "svakt" and item.missing_items == ["Samtale med beboeren"]
    path.write_text(text.replace("forste-kontakt]", "forste-kontakt, samtale]"), encoding="utf-8")
    item = {i.item.id: i for i in _coverage(data, "rutine")["krav"].items}["ny-beboer"]
    assert item.status == "dekket"


def test_an_item_in_two_checklists_must_be_qualified(tmp_path, capsys):
    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    other = (data / "checklists" / "krav.yml").read_text(encoding="utf-8").replace("id: krav", "id: krav-to")
    (data / "checklists" / "krav-to.yml").write_text(other, encoding="utf-8")
    path = data / "routines" / "rutine.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("checklists: [krav]", "checklists: [krav, krav-to]"),
                    encoding="utf-8")
    code, report, _ = _check(capsys, data)
    assert code == 1
    msgs = [f for f in report["findings"] if f["code"] == "RB010" and "flere av rutinens sjekklister" in f["message"]]
    hints = {f["hint"] for f in msgs}
    assert "skriv «krav/samarbeidsmote» eller «krav-to/samarbeidsmote»" in hints, report["findings"]


def test_unknown_checklist_gets_a_suggestion(tmp_path, capsys):
    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    path = data / "routines" / "rutine.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("checklists: [krav]", "checklists: [krv]"),
                    encoding="utf-8")
    code, report, _ = _check(capsys, data)
    assert code == 1
    [f] = [f for f in report["findings"] if f["path"] == "checklists[0]"]
    assert f["code"] == "RB010" and "ukjent sjekkliste «krv»" in f["message"] and "«krav»" in f["hint"]


# ---------------------------------------------------------------- the real checklists


def test_real_checklists_cite_a_dated_public_source_or_a_seed():
    ds = load_dataset(DATA, Report())
    assert set(ds.by_kind("checklists")) == {"krisesentertilbudet-krav", "mal-krisesenter-nav"}
    sources = {s.id: s for s in ds.sources.sources}
    public = sources[ds.by_kind("checklists")["krisesentertilbudet-krav"].source.document]
    assert public.url.startswith("https://statsforvalteren.no/") and public.date is not None
    seed = sources[ds.by_kind("checklists")["mal-krisesenter-nav"].source.document]
    assert seed.file and seed.file.startswith("sources/000_")


def test_moss_routine_is_mapped_honestly():
    """Uncovered items stay uncovered: the 2018 routine says nothing about the free, round-the-clock
    shelter, individual adaptation or internal control, and only text about follow-up after moving out."""
    cov = _coverage(DATA, "moss-krisesenter-nav")
    krav = {i.item.id: i.status for i in cov["krisesentertilbudet-krav"].items}
    assert krav == {"botilbud": "ikke-dekket", "tilrettelagt": "ikke-dekket", "samordning": "dekket",
                    "oppfolging-etter-utflytting": "svakt", "internkontroll": "ikke-dekket"}
    mal = cov["mal-krisesenter-nav"]
    assert (mal.covered, mal.total, mal.weak) == (10, 10, 0)


def test_every_requirement_in_the_public_checklist_is_in_its_source():
    """Never invent a requirement: each item's requirement sentence is the source's own words."""
    ds = load_dataset(DATA, Report())
    page = (
        "Et krisesenter er et tilbud om et midlertidig sted å bo. Det skal være gratis, døgnåpent og "
        "tilgjengelig hele året. Tilbudet skal være tilrettelagt for hver enkelt bruker. Krisesenteret og "
        "andre offentlige tjenester skal være samordnet og gi brukeren helhetlig oppfølging. De som har bodd "
        "i krisesenter, skal få tilbud om oppfølging etter at de har flyttet ut. Krisesenterloven pålegger "
        "kommunen å føre internkontroll med at krisesenteret og den virksomheten krisesentertilbudet omfatter, "
        "er i samsvar med gjeldende regelverk.")

    def words(text):
        return set(re.findall(r"\w+", text.lower()))

    for item in ds.by_kind("checklists")["krisesentertilbudet-krav"].items:
        extra = words(item.requirement) - words(page) - {"midlertidig", "krisesenteret", "kommunen", "skal"}
        assert not extra, (item.id, extra)


# ---------------------------------------------------------------- shown to readers, signers, reviewers


def _pages(data: Path) -> dict[str, str]:
    import datetime as dt

    from rutinebok.checks import run_checks
    from rutinebok.render import SiteOptions, render_site

    ds = load_dataset(data, Report())
    return render_site(ds, run_checks(ds, dt.date(2026, 11, 22)), SiteOptions(today=dt.date(2026, 11, 22)))


def test_routine_page_and_checklist_page_show_coverage():
    pages = _pages(DATA)
    routine = pages["rutiner/moss-krisesenter-nav.md"]
    assert "| Sjekkliste | [Krav til kommunens krisesentertilbud](#sjekklister): Dekker 2 av 5 punkter" in routine
    assert "## Sjekklister { #sjekklister }" in routine
    assert "| Oppfølging etter utflytting | Svakt dekket i 4 (sier ikke hvem som gjør det) |" in routine
    assert "| Internkontroll | Ikke dekket |" in routine
    page = pages["sjekklister/krisesentertilbudet-krav.md"]
    # The matrix: one row per item, one column per routine that answers to the checklist.
    assert "| Punkt | [Samarbeidsrutine mellom Krisesenteret i Moss IKS og NAV i Mosseregionen]" in page
    assert "| [3. Samordnet med andre offentlige tjenester](#samordning) | Dekket i 2.1, 2.3 og 4 |" in page
    assert "[krisesenterlova § 4](https://lovdata.no/lov/2009-06-19-44/§4)" in page
    assert "statsforvalteren.no" in page and "8. april 2024" in page.replace("&#56;", "8")
    assert "sjekklister/index.md" in pages


def test_model_gaps_show_where_they_apply():
    page = _pages(VALID)["rutiner/rutine.md"]
    assert "Kilde: Samarbeidsrutine mellom Krisesenteret i Testby og NAV Nord og NAV Sør, Kapittel 2" in page
    assert "[krisesenterlova § 4 første ledd bokstav a](https://lovdata.no/lov/2009-06-19-44/§4)" in page
    assert "**[Brukeren](../roller/bruker.md) sammen med [Primærkontakt](../roller/primaerkontakt.md):**" in page
    assert "4. **Alle involverte:** Blir enige om neste møte." in page
    assert "· **Hvor ofte:** 2 ganger i året" in page


def test_phase_title_once_and_points_apart_from_a_list_in_the_text():
    page = _pages(DATA)["rutiner/fra-krisesenter-til-egen-bolig.md"]
    assert re.search(r"^## (<span class=\"rb-clause\">[0-9.]+</span> )?Fase 1: Avklar behov for ny bolig etter opphold på krisesenter", page, re.MULTILINE)
    assert "**Fase 1: Avklar behov" not in page  # the box under the heading does not repeat it
    assert "**Fase 2: Å skaffe trygg bolig**" in page  # under a heading that names two phases, it does
    i = page.index("omvendt voldsalarm")
    assert '<div class="rb-points" markdown>' in page[i:i + 200]
    assert "**Fordeler med å flytte tilbake**" in page[i:i + 300]


def test_pdf_appendix_lists_item_and_clause(tmp_path):
    from rutinebok.pdf import build_pdfs

    from .pdf_helpers import SITE_URL, pdf_text

    build_pdfs(DATA, tmp_path, SITE_URL, ["moss-krisesenter-nav"], jobs=1)
    text = " ".join(pdf_text(tmp_path / "moss-krisesenter-nav.pdf").split())
    assert "Sjekklister: hva rutinen dekker" in text
    assert "Krav til kommunens krisesentertilbud: Dekker 2 av 5 punkter (1 svakt), 3 er ikke dekket" in text
    assert "3. Samordnet med andre offentlige tjenester 2.1, 2.3, 4 Dekket" in text
    assert "5. Internkontroll – Ikke dekket" in text


def test_diff_reports_coverage_gained_and_lost(tmp_path):
    import datetime as dt

    from rutinebok.diff.compare import _Names, compare_routine

    before = Path(shutil.copytree(DATA, tmp_path / "a"))
    after = Path(shutil.copytree(DATA, tmp_path / "b"))
    path = after / "routines" / "moss-krisesenter-nav.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("    covers: [avvik]\n", "    covers: [avvik, internkontroll]\n")  # gained
    text = re.sub(r"^ *covers: \[kompetanse\]\n", "", text, flags=re.MULTILINE)  # lost
    path.write_text(text, encoding="utf-8")
    a_ds, b_ds = load_dataset(before, Report()), load_dataset(after, Report())
    today = dt.date(2026, 11, 22)
    change = compare_routine(a_ds.routines["moss-krisesenter-nav"], b_ds.routines["moss-krisesenter-nav"],
                             _Names(a_ds, today), _Names(b_ds, today), [])
    assert ("Sjekklisten «Krav til kommunens krisesentertilbud», punktet «Internkontroll»: ikke dekket → "
            "svakt dekket i 6.") not in change.lines  # the avvik section names actors: covered, not weak
    assert ("Sjekklisten «Krav til kommunens krisesentertilbud», punktet «Internkontroll»: ikke dekket → "
            "dekket i 6.") in change.lines, change.lines
    assert ("Sjekklisten «Mal for samarbeidsrutine mellom krisesenter og NAV», punktet «Kompetanse og gjensidig "
            "informasjon»: dekket i 2.2 → ikke dekket.") in change.lines, change.lines
    assert "Sjekklisten «Krav til kommunens krisesentertilbud»: dekket 2 av 5 → 3 av 5 punkter." in change.lines


@pytest.mark.parametrize("checklist", ["krisesentertilbudet-krav", "mal-krisesenter-nav"])
def test_new_routine_from_a_checklist_passes_with_every_item_uncovered(checklist, tmp_path, capsys):
    from rutinebok.new import new_file

    data = Path(shutil.copytree(DATA, tmp_path / "data"))
    path = new_file("routine", "ny-rutine", data, checklist=checklist)
    text = path.read_text(encoding="utf-8")
    ds = load_dataset(data, Report())
    items = ds.by_kind("checklists")[checklist].items
    assert text.count("    covers: []\n") == len(items)
    for item in items:
        assert f"# Når seksjonen dekker punktet, skriv: covers: [{item.id}]" in text
    # The comments, joined back into one text, quote each requirement whole.
    comments = " ".join(line.strip().removeprefix("# ") for line in text.splitlines() if line.strip().startswith("#"))
    for item in items:
        assert "Krav: «" + " ".join(item.requirement.split()) + "»" in comments, item.id
    code, report, _ = _check(capsys, data)
    mine = [f for f in report["findings"] if f["file"].endswith("routines/ny-rutine.yml")]
    assert code == 0 and not [f for f in mine if f["severity"] == "error"], mine
    uncovered = [f for f in mine if f["code"] == "RB060"]
    assert len(uncovered) == len(items), mine
    for item in items:
        assert any(f"({item.id})" in f["message"] for f in uncovered)
    # Writing the covers line the comment asks for, and nothing else, removes that finding.
    first = items[0].id
    path.write_text(text.replace("    covers: []\n", f"    covers: [{first}]\n", 1), encoding="utf-8")
    _, report, _ = _check(capsys, data)
    left = [f for f in report["findings"] if f["code"] == "RB060" and f["file"].endswith("ny-rutine.yml")]
    assert len(left) == len(items) - 1 and not any(f"({first})" in f["message"] for f in left)


# ---------------------------------------------------------------- the field reference


def test_field_reference_covers_every_field_with_an_example_and_is_linked():
    from rutinebok.fieldref import field_reference
    from rutinebok.schema import all_schemas

    schemas = all_schemas()
    text = field_reference(schemas)
    committed = (DATA.parent / "schema" / "felter.md").read_text(encoding="utf-8")
    assert committed == text, "kjør `rutinebok schema`"
    rows = [line for line in text.splitlines() if line.startswith("| `") and "](@" not in line and "](https" not in line]
    for name, schema in schemas.items():
        for field in schema.get("properties", {}):
            assert any(row.startswith(f"| `{field}`") for row in rows), (name, field)
        for key in schema.get("definitions") or {}:
            assert f'<a id="{key.lower()}"></a>' in text, key
    for row in rows:
        cells = row.split(" | ")
        assert len(cells) == 4 and cells[3].startswith("`") and ": " in cells[3], row
    assert "`[nødhjelp](@moss-krisesenter-nav#livsopphold-og-nodhjelp)`" in text
    assert "[tekst](@id#anker)" in text
    assert "](schema/felter.md)" in (DATA.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")


def test_schema_check_fails_when_the_field_reference_is_stale(tmp_path, capsys):
    from rutinebok.schema import write_schemas

    write_schemas(tmp_path)
    assert main(["schema", "--check", "--out", str(tmp_path), "--data", str(tmp_path / "ingen")]) == 0
    path = tmp_path / "felter.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Sammen med", "Sammen"), encoding="utf-8")
    assert main(["schema", "--check", "--out", str(tmp_path), "--data", str(tmp_path / "ingen")]) == 1
    assert "felter.md" in capsys.readouterr().err


def test_mapping_a_routine_to_a_checklist_needs_no_new_version(tmp_path):
    """covers, checklists and not_applicable are the editors' mapping, not what the parties signed."""
    import datetime as dt

    from rutinebok.diff import _Names, compare_routine

    before = Path(shutil.copytree(VALID, tmp_path / "a"))
    after = Path(shutil.copytree(VALID, tmp_path / "b"))
    path = after / "routines" / "rutine.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "covers: [samarbeidsmote, ny-beboer]", "covers: [samarbeidsmote]"), encoding="utf-8")
    a_ds, b_ds = load_dataset(before, Report()), load_dataset(after, Report())
    today = dt.date(2026, 11, 22)
    change = compare_routine(a_ds.routines["rutine"], b_ds.routines["rutine"], _Names(a_ds, today),
                             _Names(b_ds, today), [])
    assert not change.content_changed
    assert "Sjekklisten «Krav til samarbeidsrutiner», punktet «Når en ny beboer kommer»: dekket i 1 → ikke dekket." \
        in change.lines, change.lines
    # The same edit to the text itself is content.
    path.write_text(path.read_text(encoding="utf-8").replace("Møter til samtalen.", "Møter til en samtale."),
                    encoding="utf-8")
    b_ds = load_dataset(after, Report())
    change = compare_routine(a_ds.routines["rutine"], b_ds.routines["rutine"], _Names(a_ds, today),
                             _Names(b_ds, today), [])
    assert change.content_changed


def test_model_gaps_show_in_print_too(tmp_path):
    """What the routine page says about a part's own source and law, joint actors and how often
    a duty recurs, the signer's paper says as well."""
    from rutinebok.pdf import build_pdfs

    from .pdf_helpers import SITE_URL, pdf_text

    build_pdfs(VALID, tmp_path, SITE_URL, ["rutine"], jobs=1)
    text = " ".join(pdf_text(tmp_path / "rutine.pdf").split())
    assert "Kilde: Samarbeidsrutine mellom Krisesenteret i Testby og NAV Nord og NAV Sør, Kapittel 2" in text
    assert "Lovgrunnlag: krisesenterlova § 4 første ledd bokstav a" in text
    assert " sammen med Primærkontakt:" in text
    assert "Hvor ofte: 2 ganger i året" in text
