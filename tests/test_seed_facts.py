"""Facts from the seeds that are most likely to drift, pinned where readers see them: the data,
the routine pages, the deadlines page, the role pages and the PDFs. Each expectation quotes the
seed it comes from (see sources/sammenligning/ for the full line-by-line comparison)."""

from __future__ import annotations

import re

import pytest

from .pdf_helpers import pdf_text
from .test_editor_notes import page_text

MOSS = "moss-krisesenter-nav"


def _steps(routine, procedure_id):
    for _, block in routine.walk_blocks():
        if block.kind == "procedure" and block.procedure.id == procedure_id:
            return block.procedure.steps
    raise AssertionError(procedure_id)


def _rule(routine, rule_id):
    return next(b.rule for _, b in routine.walk_blocks() if b.kind == "rule" and b.rule.id == rule_id)


# (procedure, [actor of each step]) as the seeds give them.
STEP_ACTORS = {
    # seed 000 «For å søke nødhjelp hos NAV»: 1 krisesenteret varsler, 2 kvinnen kontakter NAV,
    # «Søknaden behandles i løpet av 48 timer» (NAV), 3 krisesenteret kan kontakte NAV-veileder.
    "nodhjelp": ["krisesenteret-i-moss", "bruker", "nav-kontoret", "krisesenteret-i-moss"],
    # seed 000 «Ordinært boligmarked» 1–5.
    "ordinaert-boligmarked": ["krisesenteret-i-moss", "bruker", "nav-kontoret", "krisesenteret-i-moss",
                              "krisesenteret-i-moss"],
    # seed 000 «Kommunal bolig» 1–5; 5: «Når brukeren er i ny bolig overtar lokalt hjelpeapparatet».
    "kommunal-bolig": ["krisesenteret-i-moss", "krisesenteret-i-moss", "bruker", "krisesenteret-i-moss",
                       "lokalt-hjelpeapparat"],
}

# (rule id, ISO value, qualifier, words readers see)
RULES = [
    ("krisesenter-maks-botid", "P3M", "normalt maks", "normalt maks 3 måneder"),  # «normalt 3 mnd»
    ("ytelser-fraflyttingskommune", "P2M", "inntil", "inntil 2 måneder"),  # «inntil 2 måneder»
    ("nodhjelp-behandlingstid", "PT48H", "innen", "innen 48 timer"),  # «i løpet av 48 timer»
    ("krisesenter-hotell-overflytting", "P2D", "i", "i 2 døgn"),  # «i to døgn»
    ("krisesenter-journal-oppbevaring", "P2Y", "i", "i 2 år"),  # «oppbevares i 2 år»
]

EMAILS = {"nav-moss": "nav.moss@nav.no", "nav-rygge": "nav.rygge@nav.no", "nav-rade": "nav.rade@nav.no",
          "nav-valer": "nav.valer@nav.no"}


def test_parties_and_signing_of_the_moss_routine(real):
    r = real[0].routines[MOSS]
    # «Krisesenteret i Moss NAV Moss NAV Rygge NAV Råde NAV Våler», «Moss, 14.03.2018».
    assert r.parties == ["krisesenteret-i-moss", "nav-moss", "nav-rygge", "nav-rade", "nav-valer"]
    assert [s.party for s in r.signing.signatories] == r.parties
    assert (r.signing.place, r.signing.date.isoformat()) == ("Moss", "2018-03-14")
    assert (r.valid_from.isoformat(), r.review_by.isoformat()) == ("2018-03-01", "2019-12-31")


@pytest.mark.parametrize("procedure", sorted(STEP_ACTORS))
def test_actor_of_each_step(real, procedure):
    steps = _steps(real[0].routines[MOSS], procedure)
    assert [s.actor for s in steps] == STEP_ACTORS[procedure]


@pytest.mark.parametrize("rule_id, iso, qualifier, words", RULES)
def test_time_rules_keep_their_qualifier(real, rule_id, iso, qualifier, words):
    rule = _rule(real[0].routines[MOSS], rule_id)
    assert (rule.value.iso, rule.qualifier) == (iso, qualifier)
    from rutinebok.render import SiteRenderer

    assert SiteRenderer.rule_words(rule) == words


def test_contact_addresses(real):
    orgs = real[0].organisations
    for org_id, email in EMAILS.items():
        assert [c.email for c in orgs[org_id].contacts] == [email]
    # «Krisesentertilbudet til voldsutsatte menn og deres barn kjøpes ved Fredrikstad krise- og
    # incestsenter»: Moss buys from Fredrikstad, not the other way round.
    assert "kjøpes ved Fredrikstad" in " ".join(orgs["krisesenteret-i-moss"].serves_note.split())


def test_qualifiers_travel_to_every_page_that_shows_the_rule(site_dir):
    deadlines = page_text(site_dir / "frister" / "index.html")
    for _, _, _, words in RULES:
        assert words in deadlines, words
    assert not re.search(r"(?<!maks) 3 måneder Maks botid", deadlines)  # never the bare value
    bruker = page_text(site_dir / "roller" / "bruker" / "index.html")
    assert "Frist: normalt maks 3 måneder" in bruker
    moss = page_text(site_dir / "rutiner" / MOSS / "index.html")
    for phrase in ["normalt maks 3 måneder", "inntil 2 måneder", "kjøpes ved Fredrikstad krise- og incestsenter",
                   "Det lokale hjelpeapparatet: Overtar når brukeren har flyttet inn i ny bolig"]:
        assert phrase in moss, phrase
    assert "kjøpes av Fredrikstad" not in moss


def test_pdf_carries_the_same_facts(site_dir):
    text = pdf_text(site_dir / "pdf" / f"{MOSS}.pdf")
    for phrase in ["normalt maks 3 måneder", "inntil 2 måneder", "innen 48 timer", "kjøpes ved Fredrikstad",
                   "Det lokale hjelpeapparatet: Overtar", "nav.moss@nav.no", "nav.rade@nav.no", "nav.valer@nav.no"]:
        assert phrase in text, phrase
    assert "kjøpes av Fredrikstad" not in text
    assert "NAV-kontoret: Det lokale hjelpeapparatet" not in text


def test_merged_and_renamed_organisations(site_dir, real):
    ds = real[0]
    assert (ds.organisations["rygge-kommune"].replaced_by, str(ds.organisations["rygge-kommune"].ended_on)) == (
        "moss-kommune", "2020-01-01")
    assert ds.organisations["nav-rygge"].replaced_by == "nav-moss"
    assert (ds.organisations["fylkesmannen"].replaced_by, str(ds.organisations["fylkesmannen"].ended_on)) == (
        "statsforvalteren", "2021-01-01")
    for org in ("rygge-kommune", "nav-rygge", "fylkesmannen"):
        assert ds.organisations[org].ended_source is not None, org
    rygge = page_text(site_dir / "organisasjoner" / "nav-rygge" / "index.html")
    assert "NAV Rygge ble slått sammen med NAV Moss 1. januar 2020" in rygge
    assert "nav.rygge@nav.no" not in rygge  # the contact points to the successor
    fm = page_text(site_dir / "organisasjoner" / "fylkesmannen" / "index.html")
    assert "Fylkesmannen fikk nytt navn 1. januar 2021 og heter nå Statsforvalteren" in fm
    moss = page_text(site_dir / "rutiner" / MOSS / "index.html")
    assert "NAV Rygge finnes ikke lenger" in moss and "NAV Rygge (nå NAV Moss)" in moss
    krs = page_text(site_dir / "rutiner" / "kristiansand-nav-livsmestring" / "index.html")
    assert "Fylkesmannen heter nå Statsforvalteren" in krs
    contacts = page_text(site_dir / "kontakter" / "index.html")
    assert "nav.rygge@nav.no" not in contacts and "NAV Rygge ble slått sammen med NAV Moss" in contacts


def test_routine_index_separates_current_and_historical(site_dir):
    index = page_text(site_dir / "rutiner" / "index.html")
    current, _, historical = index.rpartition("Historiske dokumenter")  # the heading, after the TOC
    assert "Samarbeidsrutine mellom Krisesenteret i Moss IKS" in current
    assert "Strategiplan for Krisesenteret i Moss IKS 2016–2018" in historical
    assert "Boligsosialt arbeid i Kongsvinger kommune" in historical
    assert "Historisk: planperioden 2016–2018 er over" in historical
    assert "til-revisjon" not in index and "Til revisjon" in current
    assert "Gjeldende, men evalueringen er forsinket" in current


def test_eea_statement_is_shown_as_the_old_wording_with_the_current_rule(site_dir):
    moss = page_text(site_dir / "rutiner" / MOSS / "index.html")
    assert "Rutinen fra 2018 sier: «Uten registreringsbevis har kvinnen ingen rettigheter" in moss
    assert "Reglene kan ha endret seg" in moss and "FOR-2011-12-16-1251" not in moss.split("Reglene kan")[0][-200:]
    assert "forskrift om sosiale tjenester for personer uten fast bopel i Norge § 1" in moss
    assert "lovdata.no/forskrift/2011-12-16-1251" in (site_dir / "rutiner" / MOSS / "index.html").read_text("utf-8")
    tree = page_text(site_dir / "veivisere" / "hvilket-nav-kontor" / "index.html")
    assert "ingen rett til nødhjelp" not in tree.replace("sa at hun uten registreringsbevis ikke hadde rett", "")
    assert "Rutinen kan være utdatert" in tree


def test_an_ending_without_a_cited_source_stays_flagged(tmp_path):
    from rutinebok.checks import run_checks
    from rutinebok.findings import Report
    from rutinebok.load import load_dataset

    from .conftest import TODAY, copy_data

    data = copy_data(tmp_path / "data")
    org = data / "organisations" / "nav-rygge.yml"
    org.write_text(org.read_text("utf-8").replace("ended_source: {document: nye-moss-2020}\n", ""), "utf-8")
    ds = load_dataset(data, Report())
    found = [f for f in run_checks(ds, TODAY) if f.file.endswith("nav-rygge.yml") and f.code == "RB023"]
    assert any("kilden for at NAV Rygge opphørte er ikke oppgitt" in f.message for f in found), found
