"""Unit tests of the loader (rutinebok/load.py): YAML 1.2 scalars, positions, refusals."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rutinebok.findings import Report
from rutinebok.load import DataError, read_yaml, validate
from rutinebok.model import Organisation, Role

VALID = Path(__file__).parent / "fixtures" / "valid"


def write(tmp_path: Path, text: str | bytes, name: str = "x.yml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def load(tmp_path: Path, text: str | bytes) -> dict:
    return read_yaml(write(tmp_path, text), "x.yml").data


def refused(tmp_path: Path, text: str | bytes, cls=None) -> list:
    """The findings for a file that must not load (read, and validate when cls is given)."""
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        source = read_yaml(path, "x.yml")
        if cls is not None:
            validate(source, cls)
    return info.value.findings


def one(findings: list, code: str):
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, [f.format() for f in findings]
    return hits[0]


ORG = """\
id: ny-org
name: Ny organisasjon
kind: annet
contacts:
  - id: telefon
    label: {label}
    phone: 69 25 40 40
    source: {{document: kilde}}
source: {{document: kilde}}
"""


# ---------------------------------------------------------------- YAML 1.2 semantics


@pytest.mark.parametrize("word", ["no", "NO", "No", "yes", "Yes", "YES", "on", "off", "ON", "y", "n", "N"])
def test_yaml_1_1_booleans_stay_text(tmp_path, word):
    assert load(tmp_path, f"id: x\nlabel: {word}\n") == {"id": "x", "label": word}


def test_contact_label_no_stays_a_string(tmp_path):
    org = validate(read_yaml(write(tmp_path, ORG.format(label="NO")), "x.yml"), Organisation)
    assert org.contacts[0].label == "NO"
    assert org.contacts[0].phone == "69 25 40 40"


def test_valid_fixture_contact_label_no_is_text():
    source = read_yaml(VALID / "organisations" / "nav-nord.yml", "nav-nord.yml")
    assert source.data["contacts"][0]["label"] == "NO"


@pytest.mark.parametrize("text, value", [
    ("true", True), ("false", False), ("True", True), ("FALSE", False),
    ("~", None), ("null", None), ("", None),
    ("12", 12), ("-3", -3), ("0o17", 15), ("0x1F", 31),
    ("1.5", 1.5),
    ("2024-01-01", "2024-01-01"),  # dates stay text; the model parses and checks them
    ("1:30", "1:30"),  # YAML 1.1 sexagesimal is text in 1.2
    ("+47 69 25 40 40", "+47 69 25 40 40"),
    ('"12"', "12"), ("'true'", "true"),
])
def test_core_schema_scalars(tmp_path, text, value):
    data = load(tmp_path, f"id: x\nv: {text}\n")
    assert data["v"] == value and type(data["v"]) is type(value)


# ---------------------------------------------------------------- positions


def test_positions_are_1_based_and_point_at_the_value(tmp_path):
    source = read_yaml(write(tmp_path, ORG.format(label="Telefon")), "x.yml")
    assert source.position(("id",)) == (1, 5)
    assert source.position(("contacts", 0, "phone")) == (7, 12)
    assert source.position(("contacts", 0, "phone"), key=True) == (7, 5)
    assert source.position(("contacts", 0)) == (5, 5)
    assert source.position(("source", "document")) == (9, 20)
    assert source.position(()) == (1, 1)


def test_position_of_a_missing_path_is_its_nearest_existing_parent(tmp_path):
    source = read_yaml(write(tmp_path, ORG.format(label="Telefon")), "x.yml")
    assert source.position(("contacts", 0, "email")) == (5, 5)
    assert source.position(("contacts", 3, "phone")) == (5, 3)  # the list begins at its first "-"
    assert source.position(("nothing", "here")) == (1, 1)


def test_invalid_value_points_at_the_value(tmp_path):
    text = ORG.format(label="Telefon").replace("69 25 40 40", "6925 404")
    f = one(refused(tmp_path, text, Organisation), "RB009")
    assert (f.line, f.column, f.path) == (7, 12, "contacts[0].phone")
    assert "ugyldig telefonnummer" in f.message


def test_unknown_key_points_at_the_key(tmp_path):
    text = ORG.format(label="Telefon").replace("    phone:", "    telefon:")
    findings = refused(tmp_path, text, Organisation)
    f = one(findings, "RB007")
    assert (f.line, f.column, f.path) == (7, 5, "contacts[0].telefon")
    assert "«telefon»" in f.message


def test_unknown_top_level_key_with_did_you_mean(tmp_path):
    text = "id: ny-rolle\nname: Ny rolle\ndescripton: Tekst.\nsource: {document: kilde}\n"
    f = one(refused(tmp_path, text, Role), "RB007")
    assert (f.line, f.column) == (3, 1)
    assert "mente du «description»" in f.hint


def test_missing_field_points_at_the_parent_mapping(tmp_path):
    text = ORG.format(label="Telefon").replace("    label: Telefon\n", "")
    f = one(refused(tmp_path, text, Organisation), "RB008")
    assert (f.line, f.column, f.path) == (5, 5, "contacts[0].label")
    assert "«label»" in f.message


def test_missing_top_level_field_points_at_the_top_mapping(tmp_path):
    text = "# kommentar\n\nid: ny-rolle\nsource: {document: kilde}\n"
    f = one(refused(tmp_path, text, Role), "RB008")
    assert (f.line, f.column, f.path) == (3, 1, "name")


def test_positions_in_flow_collections(tmp_path):
    text = "id: ny-rolle\nname: Ny rolle\norganisations: [nav-nord, Nav_Sor]\nsource: {document: kilde}\n"
    f = one(refused(tmp_path, text, Role), "RB009")
    assert (f.line, f.column, f.path) == (3, 27, "organisations[1]")


FLOW_URLS = ("id: x\nname: X\nsearch_terms: [https://lovdata.no/lov/2009-06-19-44, www.nav.no]\n"
             "source: {document: kilde, url: https://www.nav.no/sosialhjelp}\n")


def test_addresses_in_flow_collections_load_and_have_positions(tmp_path):
    """A colon inside a plain scalar in a flow list or mapping (an address: [https://...]) is
    YAML 1.2, and the fast reader loads it; ruamel's C scanner, which gives the positions,
    refuses it ("found unexpected ':'"). Positions then come from ruamel's Python scanner, so a
    finding in such a file points at its value instead of ending in an internal error."""
    source = read_yaml(write(tmp_path, FLOW_URLS), "x.yml")
    assert source.data["search_terms"] == ["https://lovdata.no/lov/2009-06-19-44", "www.nav.no"]
    assert source.position(("search_terms", 1)) == (3, 54)
    assert source.position(("source", "url")) == (4, 32)
    assert source.position(("name",)) == (2, 7)


def test_positions_of_a_loaded_file_never_fail(tmp_path, monkeypatch):
    """Should neither of ruamel's scanners read a file the fast reader loaded, its positions come
    from the fast reader's own node tree: the same places as ruamel gives, never an error."""
    from rutinebok import load as load_mod

    paths = [("search_terms", 1), ("source", "url"), ("name",), ("source",), ("nothing",)]
    ruamel = read_yaml(write(tmp_path, FLOW_URLS), "x.yml")
    expected = [ruamel.position(p) for p in paths] + [ruamel.position(("source", "url"), key=True)]

    def refuse(rel, text):
        raise DataError([])

    monkeypatch.setattr(load_mod, "_compose", refuse)
    libyaml = read_yaml(write(tmp_path, FLOW_URLS), "x.yml")
    assert [libyaml.position(p) for p in paths] + [libyaml.position(("source", "url"), key=True)] == expected
    assert type(libyaml.root).__module__.startswith("yaml")


def test_a_refused_file_with_addresses_in_flow_collections_names_its_real_problem(tmp_path):
    """The fast reader refuses the file (a duplicate key); the positioned reader must not stop
    at the address's colon instead, but find and place the duplicate."""
    f = one(refused(tmp_path, FLOW_URLS + "name: Y\n"), "RB002")
    assert (f.line, f.column, f.path) == (5, 1, "name")
    f = one(refused(tmp_path, "id: x\nlist: [https://a.no, [b\n"), "RB001")
    assert f.line == 2  # a real syntax error is still one


def test_check_of_a_routine_with_addresses_in_flow_lists(tmp_path, capsys):
    """The whole check on the seeds, with a table row and the search words of a routine written
    as flow lists holding addresses: findings with their positions, no internal error."""
    from rutinebok.cli import main

    data = Path(shutil.copytree(Path(__file__).parent.parent / "data", tmp_path / "data"))
    path = data / "routines" / "kongsvinger-boligsosialt-arbeid.yml"
    text = path.read_text("utf-8")
    rows = text.index("              rows:\n")
    row = text.index("- [", rows)
    text = text[:row] + "- [https://www.nav.no/sosialhjelp, 1 person, 2 personer]\n                " + text[row:]
    path.write_text(text, "utf-8")
    assert main(["check", "--data", str(data), "--today", "2026-11-30"]) == 0
    out, err = capsys.readouterr()
    assert "intern feil" not in out + err and "Traceback" not in err
    assert re.search(r"kongsvinger-boligsosialt-arbeid\.yml:\d+:\d+: advarsel RB013", out), out


def test_crlf_line_endings_load_with_right_positions(tmp_path):
    text = ORG.format(label="Telefon").replace("\n", "\r\n").replace("69 25 40 40", "6925 404")
    f = one(refused(tmp_path, text.encode(), Organisation), "RB009")
    assert (f.line, f.column) == (7, 12)


# ---------------------------------------------------------------- refusals


def test_multi_document_file_is_refused(tmp_path):
    f = one(refused(tmp_path, "id: a\nname: A\n---\nid: b\nname: B\n"), "RB001")
    assert f.line == 4 and "flere YAML-dokumenter" in f.message


def test_explicit_single_document_is_accepted(tmp_path):
    assert load(tmp_path, "---\nid: a\n...\n") == {"id": "a"}


def test_bom_is_accepted(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + ORG.format(label="NO").encode())
    org = validate(read_yaml(path, "x.yml"), Organisation)
    assert org.id == "ny-org" and org.contacts[0].label == "NO"


def test_bom_does_not_shift_positions(tmp_path):
    text = ORG.format(label="Telefon").replace("69 25 40 40", "6925 404")
    findings = refused(tmp_path, b"\xef\xbb\xbf" + text.encode(), Organisation)
    f = one(findings, "RB009")
    assert (f.line, f.column) == (7, 12)


@pytest.mark.parametrize("text", ["", "\n\n", "# bare en kommentar\n", "   \n# x\n"])
def test_empty_file_is_refused(tmp_path, text):
    f = one(refused(tmp_path, text), "RB005")
    assert "tom" in f.message


@pytest.mark.parametrize("text", ["- a\n- b\n", "bare tekst\n", "42\n", "~\n"])
def test_top_level_must_be_a_mapping(tmp_path, text):
    f = one(refused(tmp_path, text), "RB058")
    assert (f.line, f.column) == (1, 1) and "tabell" in f.message


def test_duplicate_key_is_refused_with_both_lines(tmp_path):
    f = one(refused(tmp_path, "id: a\nname: A\nkind: rolle\nname: B\n"), "RB002")
    assert (f.line, f.column, f.path) == (4, 1, "name") and "linje 2" in f.message


def test_duplicate_key_in_a_flow_mapping(tmp_path):
    f = one(refused(tmp_path, "id: a\nsource: {document: a, document: b}\n"), "RB002")
    assert (f.line, f.column, f.path) == (2, 23, "source.document")


@pytest.mark.parametrize("tagged", [
    "!!python/object/apply:os.system [echo]", "!!python/name:os.system ''", "!!binary aGVp",
    "!!set {a, b}", "!!omap [a: 1]", "!lokal tekst",
])
def test_tags_are_refused(tmp_path, tagged):
    f = one(refused(tmp_path, f"id: a\nname: {tagged}\n"), "RB003")
    assert (f.line, f.column, f.path) == (2, 7, "name") and "ikke tillatt" in f.message


def test_a_single_alias_is_refused(tmp_path):
    f = one(refused(tmp_path, "id: a\nname: &n Navn\nshort_name: *n\n"), "RB003")
    assert "ankere og alias" in f.message


def test_tab_indentation_is_refused_with_its_position(tmp_path):
    f = one(refused(tmp_path, "id: a\nsource:\n  \tdocument: kilde\n"), "RB001")
    assert (f.line, f.column) == (3, 3) and "tabulator" in f.message


def test_tab_inside_a_literal_block_is_text_not_indentation(tmp_path):
    """Valid YAML (libyaml and ruamel both read it): after the block's two-space indentation
    the tab is content. Today read_yaml refuses it as «tabulator i innrykk» (RB001)."""
    text = "id: a\ndescription: |\n  Kolonner:\n  \tnavn\ttelefon\n"
    try:
        data = load(tmp_path, text)
    except DataError as exc:
        pytest.fail(f"valid YAML refused: {exc}")
    assert data["description"] == "Kolonner:\n\tnavn\ttelefon\n"


def test_control_character_is_refused_with_its_position(tmp_path):
    """Today: RB001 with line 0 and ruamel's English text ('... in "<unicode string>",
    position 13'), although the position of the character is known."""
    f = one(refused(tmp_path, "id: x\nname: a\x01b\n"), "RB053")
    assert (f.line, f.column) == (2, 8), f.format()
    assert "<unicode string>" not in f.message and "\n" not in f.message, f.format()


def test_not_utf8_is_refused_with_position(tmp_path):
    f = one(refused(tmp_path, "id: rade\nname: Råde\n".encode("latin-1")), "RB004")
    assert (f.line, f.column) == (2, 8) and "UTF-8" in f.message


def test_too_large_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "x.yml"
    with path.open("wb") as fh:
        fh.truncate(2 * 1024 * 1024)  # sparse: no need to write 2 MB
    with pytest.raises(DataError) as info:
        read_yaml(path, "x.yml")
    assert one(info.value.findings, "RB006").line == 0


def test_syntax_error_points_where_the_unclosed_list_began(tmp_path):
    f = one(refused(tmp_path, "id: a\nalso_called: [en, to\nsource: {document: kilde}\n"), "RB001")
    assert (f.line, f.column) == (2, 14) and "[ er ikke lukket" in f.message


# ---------------------------------------------------------------- the data set


def test_load_dataset_reports_paths_relative_to_the_data_folder_parent(tmp_path):
    from rutinebok.load import load_dataset

    data = Path(shutil.copytree(VALID, tmp_path / "data"))
    report = Report()
    ds = load_dataset(data, report)
    assert report.findings == [] and ds.failed_files == []
    assert set(ds.organisations) == {"krisesenteret", "nav-nord", "nav-sor"}
    assert ds.routines["rutine"].file == "data/routines/rutine.yml"
    assert ds.source_of(ds.routines["rutine"]).rel == "data/routines/rutine.yml"


_ENGLISH = re.compile(r"\b(expected|found|while|mapping|scanning|could|did|allowed|character|token|"
                      r"block|stream|unicode|string|line \d|column)\b|<[a-z]", re.IGNORECASE)


@pytest.mark.parametrize("text", [
    "id: a\nname: [A\n", "id: a\nname: {A: b\n", "id: a\nname: \"A\n", "id: a\nname: A: B\n",
    "id: a\nname: A\n  kind: b\n", "id: a\nname: @A\n", "id: a\nname: `A\n", "id: a\nname: 'A' B\n",
    "id: a\nname: \"A\\q\"\n", "- a\nb: c\n", "id: a\nname: *A\n", "id: a\nname: &\n", "%YAML 9\n---\nid: a\n",
    "id: a\nname: A\n- b\n", "id: a\n? [a, b]\n: c\n", "id: a\nname: !!binary x\n",
    "id: a\nname: >\n  x\n y\n", "id: a\nb:\n  - c\n d: e\n",
])
def test_yaml_errors_are_all_norwegian(tmp_path, text):
    """The parser's own (English) words never reach the message: issue 15."""
    findings = refused(tmp_path, text)
    assert findings and all(f.code in ("RB001", "RB003", "RB058") for f in findings), findings
    for f in findings:
        assert not _ENGLISH.search(f.message + f.hint), f.format()
        assert f.line >= 1, f.format()
