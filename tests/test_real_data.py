"""The real data/: loads without errors, carries the seeds' facts, and gives the expected warnings."""

from __future__ import annotations

import datetime as dt

import pytest

from rutinebok.checks import run_checks
from rutinebok.model import Approval, SourceRef

from .conftest import TODAY

MOSS = "moss-krisesenter-nav"
STRATEGY = "strategiplan-krisesenteret-i-moss-2016-2018"
PHASES = "fra-krisesenter-til-egen-bolig"
SEED_ROUTINES = {MOSS: "seed-000", "kristiansand-nav-livsmestring": "seed-001", PHASES: "seed-002",
                 STRATEGY: "seed-003", "kongsvinger-boligsosialt-arbeid": "seed-004"}


def _by(findings, code, file_part):
    return [f for f in findings if f.code == code and file_part in f.file]


def test_real_data_loads_and_checks_without_errors(real):
    _ds, report, findings = real
    assert report.findings == [], "\n".join(f.format() for f in report.findings)
    errors = [f for f in findings if f.severity == "error"]
    assert errors == [], "\n".join(f.format() for f in errors)


def test_every_seed_has_its_routine_with_its_source(real):
    ds, _, _ = real
    for rid, seed in SEED_ROUTINES.items():
        assert rid in ds.routines, f"missing routine {rid}"
        assert ds.routines[rid].source.document == seed
    for org in ds.organisations.values():
        assert org.source.document, org.id


def test_seed_000_signed_after_it_took_effect(real):
    _, _, findings = real
    [f] = _by(findings, "RB014", MOSS)
    assert f.severity == "warning"
    assert "14. mars 2018" in f.message and "1. mars 2018" in f.message
    assert f.path == "signing.date" and f.line > 0


def test_seed_000_evaluation_is_overdue(real):
    _, _, findings = real
    [f] = _by(findings, "RB012", MOSS)
    assert "31. desember 2019" in f.message and f.path == "review_by"


def test_strategy_plan_period_has_ended(real):
    _, _, findings = real
    [f] = _by(findings, "RB013", STRATEGY)
    assert "2016–2018" in f.message


def test_changed_paragraphs_are_flagged_for_the_phase_routine(real):
    _, _, findings = real
    messages = [f.message for f in _by(findings, "RB022", PHASES)]
    assert any("sosialtjenesteloven § 15" in m and "1. juli 2023" in m for m in messages), messages
    assert any("krisesenterlova § 4" in m and "1. august 2022" in m for m in messages), messages


def test_change_after_approval_is_flagged_as_such(real):
    """A routine approved before the paragraph changed gets RB021, naming both dates."""
    ds, _, _ = real
    routine = ds.routines[PHASES]
    saved = routine.approved
    routine.approved = Approval(by="Testen", on=dt.date(2020, 1, 1), source=SourceRef(document="seed-002"))
    try:
        findings = run_checks(ds, TODAY)
    finally:
        routine.approved = saved
    messages = [f.message for f in _by(findings, "RB021", PHASES)]
    assert any("§ 15" in m and "1. juli 2023" in m and "1. januar 2020" in m for m in messages), messages
    assert any("§ 4" in m and "1. august 2022" in m for m in messages), messages
    assert not _by(findings, "RB022", PHASES)


def test_check_warns_about_unknown_phone_numbers(real):
    _, _, findings = real
    phones = [f for f in findings if f.code == "RB023" and "telefonnummer" in f.message]
    assert any("NAV Moss" in f.message for f in phones)
    assert all(f.severity == "warning" for f in phones)


# ---------------------------------------------------------------- seed 000 comes through whole


@pytest.fixture(scope="module")
def moss(real):
    return real[0].routines[MOSS]


def _blocks(routine, kind):
    return [b.value for _, b in routine.walk_blocks() if b.kind == kind]


def test_seed_000_metadata(moss):
    assert moss.valid_from == dt.date(2018, 3, 1)
    assert moss.review_by == dt.date(2019, 12, 31)
    assert moss.owner == "krisesenteret-i-moss"
    assert moss.parties == ["krisesenteret-i-moss", "nav-moss", "nav-rygge", "nav-rade", "nav-valer"]
    assert [g.measures for g in moss.governing_documents] == [["3", "21"]]


def test_seed_000_sections(moss):
    titles = [s.title for _, s in moss.walk_sections()]
    for title in ["Forankring", "Systemnivå", "Rutiner", "Kompetanse", "Kontakt", "Livsopphold og nødhjelp",
                  "Samhandling under oppholdet", "Bolig", "Botid på krisesenteret", "Ordinært boligmarked",
                  "Kommunal bolig", "Melding av avvik"]:
        assert title in titles


def test_seed_000_three_procedures_with_actors_and_deadlines(moss):
    procs = {p.id: p for p in _blocks(moss, "procedure")}
    assert set(procs) == {"nodhjelp", "ordinaert-boligmarked", "kommunal-bolig"}
    assert len(procs["ordinaert-boligmarked"].steps) == 5
    assert len(procs["kommunal-bolig"].steps) == 5
    first = procs["nodhjelp"].steps[0]
    assert first.actor == "krisesenteret-i-moss" and first.condition == "med kvinnens samtykke"
    assert first.deadline.when == "snarest"
    handling = procs["nodhjelp"].steps[2]
    assert handling.actor == "nav-kontoret" and handling.deadline.rule == "nodhjelp-behandlingstid"
    assert all(s.actor for p in procs.values() for s in p.steps)


def test_seed_000_time_rules(moss):
    rules = {r.id: r.value.words for r in _blocks(moss, "rule")}
    assert rules == {
        "nodhjelp-behandlingstid": "48 timer",
        "ytelser-fraflyttingskommune": "2 måneder",
        "krisesenter-journal-oppbevaring": "2 år",
        "krisesenter-maks-botid": "3 måneder",
        "krisesenter-hotell-overflytting": "2 døgn",
    }


def test_seed_000_annual_meetings(moss):
    meetings = _blocks(moss, "meeting")
    assert len(meetings) == 2
    assert all(m.frequency.words == "årlig" and m.convener == "krisesenteret-i-moss" for m in meetings)
    assert "Evaluering av samarbeidsrutinene" in meetings[0].agenda


def test_seed_000_contact_table_and_attachments(real, moss):
    ds = real[0]
    [table] = _blocks(moss, "contacts")
    emails = []
    for entry in table.entries:
        org, _, cid = entry.partition("/")
        emails += [c.email for c in ds.organisations[org].contacts if c.id == cid]
    assert emails == ["nav.moss@nav.no", "nav.rygge@nav.no", "nav.rade@nav.no", "nav.valer@nav.no"]
    assert [a.title for a in moss.attachments] == [
        "Kontaktliste NAV-kontorene", "Satser husleiegarantier Moss kommune",
        "Søknadsskjema husleiegaranti", "Søknadsskjema kommunal bolig"]


def test_seed_000_signature_block(moss):
    s = moss.signing
    assert (s.method, s.place, s.date) == ("papir", "Moss", dt.date(2018, 3, 14))
    assert [x.party for x in s.signatories] == moss.parties
    assert all(x.name is None for x in s.signatories)  # the source names nobody: unknown, not guessed
