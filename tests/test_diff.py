"""`rutinebok diff` on a scripted series of commits in a temporary git repository.

Each test starts from the previous commit, changes the real data the way an editor would,
commits, and asserts the exact lines of the summary.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from rutinebok.cli import main
from rutinebok.diff import format_markdown, format_text, run_diff

from .conftest import ROOT

MOSS = "data/routines/moss-krisesenter-nav.yml"
KRS = "data/routines/kristiansand-nav-livsmestring.yml"
TODAY = dt.date(2026, 11, 22)
SIGNATURES_V1 = [
    "- Krisesenteret i Moss har signert versjon 1; endringen krever nye signaturer.",
    "- NAV Moss har signert versjon 1; endringen krever nye signaturer.",
    "- NAV Rygge har signert versjon 1; endringen krever nye signaturer.",
    "- NAV Råde har signert versjon 1; endringen krever nye signaturer.",
    "- NAV Våler har signert versjon 1; endringen krever nye signaturer.",
]


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def _edit(repo: Path, path: str, old: str, new: str) -> None:
    f = repo / path
    text = f.read_text("utf-8")
    assert old in text, old
    f.write_text(text.replace(old, new, 1), "utf-8")


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD").strip()


def _head(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD").strip()


def _bump(repo: Path, path: str, old: int, new: int, summary: str) -> None:
    _edit(repo, path, f"\nversion: {old}\n", f"\nversion: {new}\n")
    _edit(repo, path, "change_log:\n", f"change_log:\n  - version: {new}\n    date: 2026-11-23\n    summary: {summary}\n")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(ROOT / "data", repo / "data")
    # The scripted series counts versions from 1: rewind the routines' numbers and change
    # log to its first version, whatever version data/ has reached since.
    for path in (MOSS, KRS):
        routine = repo / path
        text = re.sub(r"(?m)^version: \d+$", "version: 1", routine.read_text("utf-8"), count=1)
        head, _, log = text.partition("change_log:\n")
        entries, _, tail = log.partition("\nsource:")
        first = re.split(r"(?m)^  - version: ", entries)[1].rstrip("\n")
        routine.write_text(f"{head}change_log:\n  - version: {first}\nsource:{tail}", "utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "config", "user.email", "test@example.invalid")
    _git(repo, "config", "user.name", "Test")
    _commit(repo, "start")
    return repo


def _lines(summary) -> list[str]:
    return [line.strip() for line in format_text(summary).splitlines() if line.strip().startswith("- ")]


def _diff(repo: Path, before: str, after: str | None = None):
    return run_diff(before, after, repo, today=TODAY)


def test_deadline_change(repo):
    before = _head(repo)
    _edit(repo, MOSS, "value: PT48H", "value: PT72H")
    _bump(repo, MOSS, 1, 2, "Lengre frist for nødhjelp.")
    after = _commit(repo, "deadline")
    assert _lines(_diff(repo, before, after)) == [
        "- Versjon: 1 → 2.",
        "- Endringslogg, versjon 2: Lengre frist for nødhjelp.",
        ("- Frist for steg 3 i «Søknad om nødhjelp hos NAV»: innen 48 timer etter at søknaden er mottatt → "
        "innen 72 timer etter at søknaden er mottatt."),
        "- Tidsregelen «Behandlingstid for søknad om nødhjelp»: 48 timer → 72 timer.",
        *SIGNATURES_V1,
    ]
    header = format_text(_diff(repo, before, after)).splitlines()[0]
    assert header == f"Endringer fra {before[:12]} til {after[:12]}:"


def test_step_added_without_version_bump(repo, capsys, monkeypatch):
    before = _head(repo)
    _edit(repo, MOSS, "              to: [nav-veileder]\n",
          "              to: [nav-veileder]\n            - actor: nav-kontoret\n"
          "              action: Sender svar på søknaden til kvinnen.\n              deadline: P2D\n")
    after = _commit(repo, "step")
    assert _lines(_diff(repo, before, after)) == [
        ("- Nytt steg 5 i «Søknad om nødhjelp hos NAV»: NAV-kontoret: Sender svar på søknaden til kvinnen. "
        "(frist: innen 2 døgn)"),
        *[x.replace("versjon 1", "versjon 2") for x in SIGNATURES_V1],
        "- Versjonsnummeret er ikke økt (fortsatt 2); øk version og skriv i change_log.",
    ]
    monkeypatch.chdir(repo)
    assert main(["diff", before, after, "--strict"]) == 1  # CI refuses a changed routine with the same version
    assert "versjonsnummeret er ikke økt for: moss-krisesenter-nav" in capsys.readouterr().err


def test_steps_reordered_and_reworded(repo):
    before = _head(repo)
    _edit(repo, MOSS, "              action: Sender svar på søknaden til kvinnen.",
          "              action: Sender skriftlig svar på søknaden til kvinnen.")
    first = ("            - actor: krisesenteret-i-moss\n              action: >-\n"
             "                Varsler NAV om at en kvinne uten livsopphold har kommet til krisesenteret.\n"
             "              condition: med kvinnens samtykke\n              to: [nav-kontoret]\n"
             "              deadline: snarest\n")
    second = ("            - actor: bruker\n              action: Kontakter NAV for å søke nødhjelp.\n"
              "              condition: når hun har gyldig oppholdsbevis eller registreringsbevis\n"
              "              to: [nav-kontoret]\n              deadline: snarest\n")
    _edit(repo, MOSS, first + second, second + first)
    _bump(repo, MOSS, 2, 3, "Nytt steg 5; stegene 1 og 2 byttet om.")
    after = _commit(repo, "reorder")
    lines = _lines(_diff(repo, before, after))
    assert lines[:4] == [
        "- Versjon: 2 → 3.",
        "- Endringslogg, versjon 3: Nytt steg 5; stegene 1 og 2 byttet om.",
        ("- Tidligere steg 2 i «Søknad om nødhjelp hos NAV» er nå steg 1: Brukeren: Kontakter NAV for å søke "
         "nødhjelp."),
        ("- Steg 5 i «Søknad om nødhjelp hos NAV» er omformulert: «Sender svar på søknaden til kvinnen.» → "
         "«Sender skriftlig svar på søknaden til kvinnen.»."),
    ]


def test_step_removed_and_actor_changed(repo):
    before = _head(repo)
    _edit(repo, MOSS, "            - actor: nav-kontoret\n              action: Sender skriftlig svar på søknaden til "
          "kvinnen.\n              deadline: P2D\n", "")
    _edit(repo, MOSS, "            - actor: nav-kontoret\n              action: Behandler søknaden om nødhjelp.",
          "            - actor: nav-veileder\n              action: Behandler søknaden om nødhjelp.")
    _bump(repo, MOSS, 3, 4, "Veilederen behandler søknaden.")
    after = _commit(repo, "actor")
    assert _lines(_diff(repo, before, after))[2:4] == [
        ("- Tidligere steg 5 i «Søknad om nødhjelp hos NAV» er fjernet: NAV-kontoret: Sender skriftlig svar på "
         "søknaden til kvinnen."),
        "- Steg 3 i «Søknad om nødhjelp hos NAV» utføres nå av Veileder i NAV (før: NAV-kontoret).",
    ]


def test_contact_removed(repo):
    before = _head(repo)
    path = repo / "data/organisations/krisesenteret-i-moss.yml"
    text = path.read_text("utf-8")
    start = text.index("  - id: nettside")
    end = text.index("source: {document: seed-000", start)
    path.write_text(text[:start] + text[end:], "utf-8")
    after = _commit(repo, "contact")
    assert _lines(_diff(repo, before, after)) == [
        "- Krisesenteret i Moss IKS: kontakten «Nettside» (http://www.mosskrisesenter.no) er fjernet."]


def _signed_pdf(parties: list[str], signed_by: str) -> bytes:
    """A one-page PDF with a signature field per party, one of them signed (a throwaway key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pypdf import PdfWriter

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(b"t", key, cert, None, serialization.NoEncryption())
    blank = PdfWriter()
    blank.add_blank_page(200, 200)
    buf = io.BytesIO()
    blank.write(buf)
    buf.seek(0)
    writer = IncrementalPdfFileWriter(buf, strict=False)
    for party in parties:
        fields.append_signature_field(writer, fields.SigFieldSpec(f"party-{party}", box=(10, 10, 100, 50)))
    with_fields = io.BytesIO()
    writer.write(with_fields)
    with_fields.seek(0)
    signer = signers.SimpleSigner.load_pkcs12_data(p12, [], None)
    out = signers.sign_pdf(IncrementalPdfFileWriter(with_fields, strict=False),
                           signers.PdfSignatureMetadata(field_name=f"party-{signed_by}"), signer=signer)
    return out.getvalue()


def test_signed_copy_invalidated(repo):
    """A party that signed the PDF under signed/<id>/ must sign again when the content changes."""
    folder = repo / "signed" / "kristiansand-nav-livsmestring"
    folder.mkdir(parents=True)
    (folder / "versjon-1.pdf").write_bytes(_signed_pdf(["nav-kristiansand", "livsmestring-kristiansand"],
                                                       "nav-kristiansand"))
    before = _commit(repo, "signed copy")
    _edit(repo, KRS, "  - id: forvaltningens-rolle\n    title: Forvaltningens rolle (koordinerende enhet)",
          "  - id: forvaltningens-rolle\n    title: Forvaltningens rolle")
    _bump(repo, KRS, 1, 2, "Kortere overskrift.")
    after = _commit(repo, "retitle")
    assert _lines(_diff(repo, before, after)) == [
        "- Versjon: 1 → 2.",
        "- Endringslogg, versjon 2: Kortere overskrift.",
        "- Avsnittet «Forvaltningens rolle (koordinerende enhet)» (punkt 5) heter nå «Forvaltningens rolle».",
        ("- NAV Kristiansand har signert PDF-en signed/kristiansand-nav-livsmestring/versjon-1.pdf; "
        "endringen krever nye signaturer."),
    ]


def test_recording_a_signature_needs_no_new_version(repo):
    before = _head(repo)
    _edit(repo, MOSS, "  note: Navnene på dem som signerte, er ikke oppgitt.",
          "  note: Navnene på dem som signerte, er ikke oppgitt. Originalen ligger i arkivet.")
    after = _commit(repo, "signing note")
    summary = _diff(repo, before, after)
    assert _lines(summary) == ["- Merknaden om signeringen er endret."]
    assert summary.unbumped == []


def test_formatting_only(repo):
    before = _head(repo)
    _edit(repo, "data/roles/bruker.yml", "kind: bruker", "kind:   'bruker'  # personen selv")
    after = _commit(repo, "format")
    summary = _diff(repo, before, after)
    assert summary.formatting_only
    assert format_text(summary).splitlines()[1] == (
        "Bare formatering er endret (mellomrom, kommentarer, anførselstegn); innholdet er det samme.")
    assert "Bare formatering er endret" in format_markdown(summary)


def test_text_glossary_and_organisation_changes_are_not_formatting(repo):
    before = _head(repo)
    _edit(repo, MOSS, "Krisesenteret har ikke plikt til å lage individuell plan (IP) for brukerne sine.",
          "Krisesenteret har ikke plikt til å lage individuell plan (IP) for beboerne sine.")
    _bump(repo, MOSS, 4, 5, "Beboere, ikke brukere.")
    _edit(repo, "data/glossary.yml", "Et selskap som eies av flere kommuner", "Et selskap som eies av to eller flere kommuner")
    _edit(repo, "data/organisations/nav-rade.yml", "\nname: NAV Råde\n", "\nname: NAV Råde kommune\n")
    after = _commit(repo, "text")
    lines = _lines(_diff(repo, before, after))
    assert "- Avsnittet «Samhandling under oppholdet» (punkt 4): endret tekst." in lines
    assert "- Ordlisten: forklaringen av «IKS» er endret." in lines
    assert "- NAV Råde kommune: navn NAV Råde → NAV Råde kommune." in lines, lines
    assert "- NAV Råde har signert versjon 4; endringen krever nye signaturer." in lines


def test_working_tree_against_main_by_default(repo, capsys, monkeypatch):
    _edit(repo, "data/organisations/nav-moss.yml", "email: nav.moss@nav.no", "email: nav.moss.ny@nav.no")
    _edit(repo, KRS, "  - id: forvaltningens-rolle\n    title: Forvaltningens rolle",
          "  - id: forvaltningens-rolle\n    title: Forvaltningens rolle, se @nav-moss")
    monkeypatch.chdir(repo)
    try:
        assert main(["diff", "--format", "markdown"]) == 0
        out = capsys.readouterr().out
        assert out.startswith("### Hva endringen betyr (main → arbeidskopien)\n")
        assert ("- NAV Moss: «E-post for krisesenteret» endret: nav.moss@nav.no → nav.moss.ny@nav.no (står i "
                "«Samarbeidsrutine mellom Krisesenteret i Moss IKS og NAV i Mosseregionen», "
                "«Hvilket NAV-kontor skal dekke livsopphold?»).") in out
        assert "@\u200bnav-moss" in out and " @nav-moss" not in out  # no one is @mentioned in the PR comment
        assert "> **Versjonsnummeret må økes** for: `kristiansand-nav-livsmestring`" in out
    finally:
        _git(repo, "checkout", "-q", "--", ".")


def test_bad_input(repo, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    assert main(["diff", "finnes-ikke", "HEAD"]) == 2
    assert "ukjent revisjon «finnes-ikke»" in capsys.readouterr().err
    assert main(["diff", "HEAD", "--data", "ingen-mappe"]) == 1
    assert "har ingen datamappe «ingen-mappe»" in capsys.readouterr().err
    before = _head(repo)
    _edit(repo, MOSS, "title: Samarbeidsrutine", "title: [Samarbeidsrutine")
    broken = _commit(repo, "broken")
    try:
        assert main(["diff", before, broken]) == 1
        err = capsys.readouterr().err
        assert "kan ikke leses" in err and "moss-krisesenter-nav.yml:" in err and "Traceback" not in err
    finally:
        _git(repo, "reset", "-q", "--hard", before)  # later tests start from readable data
    outside = tmp_path / "ikke-git"
    outside.mkdir()
    monkeypatch.chdir(outside)
    assert main(["diff"]) == 2
    assert "ikke i et git-repository" in capsys.readouterr().err


def test_check_against_warns_when_the_version_did_not_go_up(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    base = _head(repo)
    _edit(repo, MOSS, "Krisesenteret regnes ikke", "Krisesenteret er ikke")
    try:
        assert main(["check", "--data", "data", "--today", "2026-11-22", "--against", base,
                     "--format", "json"]) == 0
        out = capsys.readouterr().out
        assert '"code": "RB036"' in out and "versjonen er fortsatt 5" in out
        assert main(["check", "--data", "data", "--today", "2026-11-22", "--against", base, "--strict"]) == 1
        capsys.readouterr()
        assert main(["check", "--data", "data", "--against", "finnes-ikke"]) == 2
        assert "ukjent revisjon" in capsys.readouterr().err
    finally:
        _git(repo, "checkout", "-q", "--", ".")


def test_sections_are_named_by_their_clause_numbers(repo):
    """«punkt 4.2» in a summary is the same clause as in the PDF and on the page."""
    import re

    before = _head(repo)
    text = (repo / KRS).read_text("utf-8")
    version = int(re.search(r"\nversion: (\d+)\n", text).group(1))
    title = re.search(r"  - id: forvaltningens-rolle\n    title: (.*)\n", text).group(1)
    _edit(repo, KRS, "  - id: forvaltningens-rolle\n", "  - id: ny-innledning\n    title: Ny innledning\n"
          "    blocks:\n      - text: Et nytt avsnitt.\n  - id: forvaltningens-rolle\n")
    _bump(repo, KRS, version, version + 1, "Nytt avsnitt.")
    after = _commit(repo, "insert")
    lines = _lines(_diff(repo, before, after))
    assert "- Nytt avsnitt, punkt 5: «Ny innledning»." in lines
    assert f"- Avsnittet «{title}» er nå punkt 6 (før punkt 5)." in lines
