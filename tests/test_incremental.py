"""The edit loop of `make serve` (rutinebok.incremental): after each kind of edit, the pages made
again only where the change reaches are the same as the pages made from scratch; and an edit
far from a page does not make it again."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from rutinebok import incremental, render
from rutinebok.checks import run_checks
from rutinebok.findings import Report
from rutinebok.load import LoadCache, load_dataset
from rutinebok.render import SiteOptions, SiteRenderer

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)


def renderer(data: Path, cache: LoadCache | None = None) -> SiteRenderer:
    report = Report()
    ds = load_dataset(data, report, cache=cache)
    report.extend(run_checks(ds, TODAY))
    assert not report.errors, [f.format() for f in report.errors]
    r = SiteRenderer(ds, report.findings, SiteOptions(today=TODAY))
    r.pdf, r.signed = True, {}
    return r


class Loop:
    """A serve session: one load cache and one memo across rebuilds. With `kept` (a build
    cache folder): builds in processes of their own, each starting from the memo the last one
    saved there (what `make build` does)."""

    def __init__(self, data: Path, kept: Path | None = None):
        self.data, self.cache, self.memo, self.kept = data, LoadCache(), incremental.Memo(), kept
        self.rebuild()

    def rebuild(self) -> dict[str, str]:
        if self.kept is None:
            return incremental.pages(renderer(self.data, self.cache), self.memo)
        self.memo = incremental.load(self.kept)
        made = incremental.pages(renderer(self.data), self.memo)
        if not self.memo.same:  # as Engine.pages: a memo nothing changed since is not written again
            incremental.save(self.memo, self.kept)
        return made

    def check(self) -> set[str]:
        """Rebuild; the pages equal a build from scratch. Returns the pages made again."""
        got = self.rebuild()
        want = renderer(self.data).pages()
        assert list(got) == list(want)
        wrong = [p for p in want if got[p] != want[p]]
        assert not wrong, f"stale after the edit: {wrong[:10]}"
        return self.memo.made


def edit(path: Path, change) -> None:
    """Change the file's data as an editor would: the rest of the file stays as it was."""
    rt = YAML()  # round trip, YAML 1.2: «on:» stays a key
    rt.width = 4096
    data = rt.load(path.read_text("utf-8"))
    change(data)
    with path.open("w", encoding="utf-8") as fh:
        rt.dump(data, fh)


@pytest.fixture
def seed_data(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from bench.generate import generate_corpus

    data = tmp_path_factory.mktemp("corpus") / "data"
    generate_corpus(data, routines=24, steps=12)  # enough deadlines for the per-area pages
    return data


def _party_org(data: Path) -> tuple[Path, str]:
    """A routine and an organisation that is one of its parties."""
    for path in sorted((data / "routines").glob("*.yml")):
        parties = yaml.safe_load(path.read_text("utf-8")).get("parties") or []
        if len(parties) >= 2:
            return path, parties[-1]
    raise AssertionError("no routine with two parties")


@pytest.mark.parametrize("kept", [False, True], ids=["serve", "build"])
def test_seed_edits_match_a_build_from_scratch(seed_data: Path, tmp_path: Path, kept: bool):
    loop = Loop(seed_data, tmp_path / "cache" if kept else None)
    total = len(loop.memo.pages)
    routine, org_id = _party_org(seed_data)
    org = seed_data / "organisations" / f"{org_id}.yml"

    edit(routine, lambda d: d.update(title=d["title"] + " (endret)"))
    assert len(loop.check()) < total  # not everything was made again
    edit(org, lambda d: d.update(name=d["name"] + " Endret"))
    loop.check()
    edit(org, lambda d: d.update(short_name="Kort navn"))
    loop.check()
    # A reference removed: the organisation's page no longer lists the routine.
    edit(routine, lambda d: d.update(parties=d["parties"][:-1]))
    loop.check()
    edit(org, lambda d: d.update(ended_on="2025-01-01", ended_how="nedlagt"))
    loop.check()  # the routines naming it now get a warning: their pages are made again
    law = min((seed_data / "laws").glob("*.yml"))
    edit(law, lambda d: d.update(title=d["title"] + " (endret)"))
    loop.check()
    tree = min((seed_data / "trees").glob("*.yml"))
    edit(tree, lambda d: d.update(title=d["title"] + " (endret)"))
    loop.check()
    role = min((seed_data / "roles").glob("*.yml"))
    edit(role, lambda d: d.update(name=d["name"] + " endret"))
    assert len(loop.check()) == total  # a role reaches pages by organisation kind: everything
    glossary = seed_data / "glossary.yml"
    edit(glossary, lambda d: d["terms"][0].update(explanation="Ny forklaring."))
    loop.check()
    assert loop.check() == {p for p, (k, _) in renderer(seed_data).page_makers().items()
                            if k is None or (isinstance(k, tuple) and k[0] in incremental.ALWAYS)}  # nothing changed


def test_a_time_rule_reaches_the_routines_that_use_it(seed_data: Path):
    """A named time rule stated in one routine and used in another: the deadline words of the
    second come from the first, with no reference between the two routines."""
    user = seed_data / "routines" / "fra-krisesenter-til-egen-bolig.yml"
    stater = seed_data / "routines" / "moss-krisesenter-nav.yml"
    edit(user, lambda d: d["sections"][0].setdefault("blocks", []).append({"responsibility": {
        "duty": "Behandler søknaden om nødhjelp.", "responsible": ["nav-kontoret"],
        "deadline": {"rule": "nodhjelp-behandlingstid", "after": "søknaden er mottatt"}}}))
    loop = Loop(seed_data)
    page = "rutiner/fra-krisesenter-til-egen-bolig.md"
    assert "48 timer" in loop.memo.pages[page]
    edit(stater, lambda d: d.update(
        sections=_replace_rule_value(d["sections"], "nodhjelp-behandlingstid", "PT72H")))
    loop.check()
    assert "72 timer" in loop.memo.pages[page]


def _replace_rule_value(value, rule_id: str, new: str):
    if isinstance(value, dict):
        if value.get("id") == rule_id and "value" in value:
            value["value"] = new
        for v in value.values():
            _replace_rule_value(v, rule_id, new)
    elif isinstance(value, list):
        for v in value:
            _replace_rule_value(v, rule_id, new)
    return value


@pytest.mark.parametrize("kept", [False, True], ids=["serve", "build"])
def test_added_and_removed_files(seed_data: Path, tmp_path: Path, kept: bool):
    loop = Loop(seed_data, tmp_path / "cache" if kept else None)
    routine = min((seed_data / "routines").glob("*.yml"))
    copy = seed_data / "routines" / "kopi-av-rutinen.yml"
    shutil.copyfile(routine, copy)
    edit(copy, lambda d: d.update(id="kopi-av-rutinen", title="Kopi av rutinen"))
    loop.check()
    assert "rutiner/kopi-av-rutinen.md" in loop.memo.pages
    copy.unlink()
    loop.check()
    assert "rutiner/kopi-av-rutinen.md" not in loop.memo.pages


@pytest.mark.parametrize("kept", [False, True], ids=["serve", "build"])
def test_an_edit_far_away_keeps_other_pages(corpus: Path, tmp_path: Path, kept: bool):
    loop = Loop(corpus, tmp_path / "cache" if kept else None)
    first = min((corpus / "routines").glob("*.yml"))
    before = dict(loop.memo.pages)
    original = first.read_text("utf-8")
    try:
        edit(first, lambda d: d.update(title="Helt ny tittel"))
        made = loop.check()
        routine_pages = [p for p in before if p.startswith("rutiner/") and p != "rutiner/index.md"]
        # The edited routine's own page; no other routine's (they share time rules and roles,
        # but the title reaches none of them).
        assert [p for p in routine_pages if p in made] == [f"rutiner/{first.stem}.md"]
        # The per-area pages: only those of the edited routine's municipalities.
        per_area = {p: k for p, (k, _) in renderer(corpus).page_makers().items() if isinstance(k, frozenset)}
        assert per_area, "the corpus is big enough for per-area deadline pages"
        assert {p for p in per_area if p in made} == {p for p, k in per_area.items()
                                                        if ("routines", first.stem) in k}
        assert "Helt ny tittel" in loop.memo.pages[f"rutiner/{first.stem}.md"]
    finally:
        first.write_text(original, "utf-8")


FIELDS = {"routines": "title", "organisations": "name", "trees": "title", "laws": "title", "roles": "name"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(FIELDS)), st.integers(0, 10_000)), min_size=1, max_size=3))
def test_random_edits_of_the_generated_corpus(corpus: Path, edits):
    saved = {p: p.read_text("utf-8") for p in corpus.rglob("*.yml")}
    try:
        loop = Loop(corpus)
        for n, (kind, pick) in enumerate(edits):
            files = sorted((corpus / kind).glob("*.yml"))
            if not files:
                continue
            path = files[pick % len(files)]
            field = FIELDS[kind]
            edit(path, lambda d, n=n, field=field: d.update({field: f"{d[field]} endring {n}"}))
            loop.check()
    finally:
        for p, text in saved.items():
            p.write_text(text, "utf-8")



def test_templates_are_compiled_once_per_process_and_again_when_edited(tmp_path, monkeypatch):
    """`make serve` makes a new renderer for each rebuild; the templates are not compiled again
    (about 0.4 s a rebuild), unless one was edited."""
    from jinja2 import Environment, FileSystemLoader

    from rutinebok.render import _CompiledTemplates

    compiled: list[str] = []
    original = Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(Environment, "compile", counting)
    cache = _CompiledTemplates()
    (tmp_path / "t.j2").write_text("a {{ x }}", encoding="utf-8")

    def env() -> Environment:
        return Environment(loader=FileSystemLoader(tmp_path), bytecode_cache=cache)

    assert env().get_template("t.j2").render(x=1) == "a 1"
    assert env().get_template("t.j2").render(x=2) == "a 2"
    assert compiled == ["t.j2"]
    (tmp_path / "t.j2").write_text("b {{ x }}", encoding="utf-8")
    assert env().get_template("t.j2").render(x=3) == "b 3"
    assert compiled == ["t.j2", "t.j2"]

    first = renderer(ROOT / "data").pages()  # compiles what no earlier test did
    compiled.clear()
    assert renderer(ROOT / "data").pages() == first
    assert compiled == []


def _whole_feed(rr: SiteRenderer, site_url: str) -> bytes:
    """The calendar feed made at once by the icalendar library, as before events were kept:
    the reference the kept events must reproduce byte for byte."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", f"-//Rutinebok//{__import__('rutinebok').__version__}//NO")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Rutinebok: møter og frister")
    stamp = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    for e in rr.calendar_events():
        ev = Event()
        ev.add("uid", f"{e['routine'].id}-{e['date'].isoformat()}-{render._slug(e['title'])}@rutinebok")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", e["date"])
        ev.add("summary", render.ics_text(e["title"]))
        ev.add("url", f"{site_url.rstrip('/')}/rutiner/{e['routine'].id}/")
        cal.add_component(ev)
    for r, _, m, start, rule in rr.meeting_reminders():
        ev = Event()
        ev.add("uid", f"{r.id}-{m.id}@rutinebok")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", start)
        ev.add("dtend", start + dt.timedelta(days=1))
        ev.add("rrule", rule)
        ev.add("transp", "TRANSPARENT")
        ev.add("summary", render.ics_text(f"Husk å avtale: {m.title} ({m.frequency.words})"))
        ev.add("description", render.ics_text(f"Påminnelse. Innkaller: {rr.name(m.convener)}. Fra rutinen «{r.title}». "
                                              "Rutinen fastsetter ikke dato eller klokkeslett; avtal tidspunkt."))
        ev.add("url", f"{site_url.rstrip('/')}/rutiner/{r.id}/#{m.id}")
        cal.add_component(ev)
    return cal.to_ical()


def test_calendar_feed_from_kept_events_equals_the_feed_made_at_once(seed_data: Path):
    url = "https://rutinebok.example/"
    render._EVENTS.clear()
    first = render.calendar_ics(renderer(seed_data), url)
    assert first == _whole_feed(renderer(seed_data), url)
    assert render.calendar_ics(renderer(seed_data), url) == first  # from the kept events
    # A meeting's reminder names its routine and its convener: both edits reach the feed.
    routine = seed_data / "routines" / "moss-krisesenter-nav.yml"
    edit(routine, lambda d: d.update(title=d["title"] + " <b>endret</b>, nå"))
    rr = renderer(seed_data)
    got = render.calendar_ics(rr, url)
    assert got == _whole_feed(rr, url) != first
    assert "endret</b>\\, nå".encode() in got
    for path in (seed_data / "organisations").glob("*.yml"):
        edit(path, lambda d: d.update(name=d["name"] + " Ny"))
    rr = renderer(seed_data)
    assert render.calendar_ics(rr, url) == _whole_feed(rr, url)
    assert render.calendar_ics(rr, "") == _whole_feed_without_url(rr)


def _whole_feed_without_url(rr: SiteRenderer) -> bytes:
    from icalendar import Calendar

    cal = Calendar.from_ical(_whole_feed(rr, "https://x.example/"))
    for ev in cal.walk("VEVENT"):
        del ev["url"]
    return cal.to_ical()


def test_a_kept_memo_of_other_code_or_another_day_makes_every_page(seed_data: Path, tmp_path: Path, monkeypatch):
    """The memo a build keeps is only used by the same engine on the same day: other code (or
    templates), another day, a damaged file: every page is made."""
    from rutinebok import buildcache

    kept = tmp_path / "cache"
    loop = Loop(seed_data, kept)
    total = len(loop.memo.pages)
    assert len(loop.check()) < total
    monkeypatch.setattr(buildcache, "code_hash", lambda: "other code")
    assert len(loop.check()) == total
    (kept / incremental.MEMO_FILE).write_text('{"texts": {}, "pages": [', "utf-8")
    assert len(loop.check()) == total
    monkeypatch.setattr(sys.modules[__name__], "TODAY", TODAY + dt.timedelta(days=1))
    assert len(loop.check()) == total


@pytest.mark.parametrize("kept", [False, True], ids=["serve", "build"])
def test_a_routine_that_leaves_a_municipality_leaves_its_page(seed_data: Path, tmp_path: Path, kept: bool):
    """A party of a new kind narrows where the routine applies (rutinebok.areas): the pages of
    the municipalities it left are made again without it, also from a memo an earlier build kept."""
    loop = Loop(seed_data, tmp_path / "cache" if kept else None)
    assert "moss-krisesenter-nav" in loop.memo.pages["omrade/moss-kommune.md"]
    def narrow(d):
        d["parties"].append("valer-kommune")
        d["signing"]["signatories"].append({"party": "valer-kommune"})

    edit(seed_data / "routines" / "moss-krisesenter-nav.yml", narrow)
    made = loop.check()
    assert "omrade/moss-kommune.md" in made
    assert "moss-krisesenter-nav" not in loop.memo.pages["omrade/moss-kommune.md"]
    assert "moss-krisesenter-nav" in loop.memo.pages["omrade/valer-kommune.md"]


def test_calendar_events_kept_in_the_build_cache_give_the_feed_made_at_once(seed_data: Path, tmp_path, monkeypatch):
    """A build keeps each event's bytes in the build cache (Engine.files): the next process makes
    no event with icalendar, and the feed is the one made at once; an edit is made again."""
    from rutinebok.buildcache import Table

    url = "https://rutinebok.example/"
    render._EVENTS.clear()
    kept = Table(tmp_path, "ics.json")
    first = render.calendar_ics(renderer(seed_data), url, kept)
    kept.save()
    render._EVENTS.clear()  # a new process
    made = []
    real = render._event_ics
    monkeypatch.setattr(render, "_event_ics", lambda *values: made.append(values) or real(*values))
    kept = Table(tmp_path, "ics.json")
    assert render.calendar_ics(renderer(seed_data), url, kept) == first == _whole_feed(renderer(seed_data), url)
    assert made == []
    render._EVENTS.clear()
    edit(seed_data / "routines" / "moss-krisesenter-nav.yml", lambda d: d.update(title=d["title"] + " endret"))
    rr = renderer(seed_data)
    assert render.calendar_ics(rr, url, Table(tmp_path, "ics.json")) == _whole_feed(rr, url)
    assert made and all("endret" in " ".join(map(str, values)) for values in made)  # only what the edit reached


def test_a_build_that_makes_no_page_keeps_the_memo_it_read(seed_data: Path, tmp_path: Path):
    """Engine.pages writes the memo only when something changed: a build with nothing changed
    makes only the pages of no one entity (lists), leaves the memo as it was, and a real edit
    after it gives the pages of a build from scratch."""
    loop = Loop(seed_data, tmp_path / "kept")
    memo_file = tmp_path / "kept" / incremental.MEMO_FILE
    written, stamp = memo_file.read_bytes(), memo_file.stat().st_mtime_ns
    routine = seed_data / "routines" / "moss-krisesenter-nav.yml"
    again = loop.check()
    assert loop.memo.same and f"rutiner/{routine.stem}.md" not in again
    assert memo_file.read_bytes() == written and memo_file.stat().st_mtime_ns == stamp
    edit(routine, lambda d: d.update(title=d["title"] + " (ny)"))
    assert f"rutiner/{routine.stem}.md" in loop.check()
    assert memo_file.read_bytes() != written
