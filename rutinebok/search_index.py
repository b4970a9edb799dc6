"""The site's search index: a step run over the built site folder, after any builder.

    python -m rutinebok.search_index SITE_DIR

Reads the built HTML (not MkDocs internals, so the same step works after MkDocs or
Zensical), cuts every page into its lead and its sections (h2/h3 with an id, glossary terms,
a phase's alternatives), leaves out what is not content (the document-control table,
"Foreslå endring" lines, signatures and change log, heading anchors, navigation), and writes:

- SITE_DIR/pagefind/: a Pagefind index with one entry per page and its sections as
  sub-results, so the search box can show the section that answers (chunked: a reader's
  first search fetches only the chunks for her words, not the whole index);
- SITE_DIR/pagefind/vocab/XX.json: the index's words by their first two letters, with how
  many records use each, so the search box can correct a typo or a missing æøå without
  downloading the vocabulary;
- SITE_DIR/pagefind/rb-search.json: what the search box needs to know first. On a national
  site (more than SCOPED_FROM routine pages) pagefind/ holds every page by title and lead and
  pagefind/omrade/N/ the whole text of a run of municipalities' pages and the national ones;
  this file maps each municipality to its N (see SCOPED_FROM below).

Words are folded before indexing (lower case, ø→o, å→a, æ→ae, accents dropped) and the
search box folds the query the same way, so «nodhjelp» finds «nødhjelp» and «aeresrelatert»
finds «æresrelatert». No stemmer: Norwegian stemmers collide on this vocabulary («gjelder»
and «gjeld», «bolig» and «bol»); inflections are found by prefix («krisesenter» finds
«krisesenteret») and by the search box trimming endings only to forms the index has.

Words editors list in `search_terms` (routines, sections, glossary entries, pages) reach
this step as `<meta name="rb-search-terms">` in the head and `data-rb-search-terms` on a
hidden span inside a section; they are indexed with a high weight and never shown.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import lxml.etree
import lxml.html

from . import buildcache
from .buildcache import Folders, Store
from .parallel import env_int, map_items, workers

OUTPUT = "pagefind"
# The content area: an explicit marker first, then Material/Zensical's article, then <main>.
BODY_SELECTORS = ("[data-rb-search-body]", "article.md-content__inner", "main", "body")


def _xpath(selector: str) -> str:
    """The few CSS selector forms used here, as XPath (no cssselect dependency)."""
    if selector.startswith("[") and selector.endswith("]"):
        return f"//*[@{selector[1:-1]}]"
    tag, _, cls = selector.partition(".")
    tag = tag or "*"
    if not cls:
        return f"//{tag}"
    return f"//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]"

# Never indexed: editors' and navigation furniture, and the document-control table.
DROP = (".rb-edit", ".rb-edit-footer", ".rb-control", ".headerlink", "nav", "script", "style",
        "noscript", ".md-source-file", ".rb-quick-exit", "[data-search-exclude]", "form",
        ".rb-search",
        # A law's list of the routines that use it: their titles are found on their own pages.
        ".rb-used-in")
SECTION_TAGS = {"h2", "h3"}
HEADINGS = SECTION_TAGS | {"h1", "dt"}  # their text is the record's title, not its text
INLINE = {"a", "abbr", "b", "strong", "i", "em", "span", "code", "mark", "small", "sub", "sup", "time", "q", "s", "u"}
TEXT_SHOWN = 700  # the unfolded text the result excerpt is cut from (kept short: it is fetched per result)
# How much a kind of page's text counts. Role pages repeat the routines' duties and the
# changes page repeats their history: they should not outrank the routine that says it.
KINDS = [  # url prefix, label shown, body weight, title weight, section title weight
    ("/rutiner/", "Rutine", 1.0, 8.0, 8.0),
    # A guide's sections are its questions and answers: they name the subject in passing.
    ("/veivisere/", "Veiviser", 0.7, 8.0, 3.0),
    ("/organisasjoner/", "Organisasjon", 0.8, 8.0, 2.0),
    # Role pages repeat the routines' duties under the routines' titles (see REPEATS).
    ("/roller/", "Rolle", 0.5, 8.0, 0.5),
    ("/lover/", "Lov", 1.0, 8.0, 8.0),
    # A glossary entry explains a word; the routine that uses it is usually the answer.
    ("/ordliste/", "Ordliste", 0.8, 8.0, 4.0),
    ("/kontakter/", "Kontakter", 0.5, 8.0, 1.0),
    ("/frister/", "Frister", 0.2, 8.0, 0.5),
    ("/kalender/", "Kalender", 0.3, 8.0, 1.0),
    ("/endringer/", "Side", 0.2, 6.0, 1.0),
    # A municipality's pages gather its routines, contacts, deadlines and meetings.
    ("/omrade/", "Kommune", 0.5, 8.0, 0.5),
    ("/", "Side", 0.8, 8.0, 4.0),
]
# Pages made of text repeated from the routines (a role's duties, all deadlines, the meeting
# calendar): only their title and lead are indexed, so a duty is found where it is written.
REPEATS = ("/roller/", "/frister/", "/kalender/", "/omrade/")
# Sections that list other pages' titles (an organisation's routines): the titles are found
# on their own pages. On a national site every common word was in thousands of such lists,
# and a search had to weigh them all.
LISTS = {"/organisasjoner/": {"rutiner"}}
# Index pages that list every routine or organisation: found by their title and lead.
LIST_PAGES = {"/rutiner/", "/organisasjoner/"}
# A national site: past this many routine pages a search over every page's text weighs
# thousands of pages that all have the word (0.2-0.5 s in Chromium at 5,000 routines). Then
# the index is split: pagefind/ holds every page by title and lead (routines, organisations,
# municipalities) and the whole text of what serves the whole country; pagefind/omrade/N/
# holds the whole text of the pages of a run of municipalities (in id order, up to
# BUNDLE_PAGES pages) and of the national pages, each page marked with its municipalities. A
# search from a municipality's pages asks its bundle for that municipality's pages and the
# national ones: it fetches and weighs a part of the country, not all of it.
SCOPED_FROM = 500
BUNDLE_PAGES = 2000
AREAS_BUNDLE = "omrade"
EVERYWHERE = "*"  # never an id (model.ID_PATTERN): the whole country, or no known place
# Pages made from every organisation or routine: on a national site their title and lead only.
GATHERING = {"/", "/kontakter/"}
# Document control on every routine page (who signed, the change log): not what a reader
# searches for, and at 5,000 routines two records each that every search would carry.
CONTROL_SECTIONS = {"signaturer", "endringslogg"}
FOLD = str.maketrans({"ø": "o", "æ": "ae", "å": "a", "ß": "ss", "œ": "oe", "đ": "d", "ð": "d",
                      "þ": "th", "ł": "l"})
WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, Norwegian letters to their plain spelling, other accents dropped."""
    if text.isascii():  # most of the index's text: nothing to normalise
        return text.lower()
    text = unicodedata.normalize("NFKC", text).lower().translate(FOLD)
    if text.isascii():
        return text
    # The accents off: the text's decomposition (NFKD) without its combining marks, which is
    # each character's decomposition without them (only marks are ever reordered), kept by
    # character in a table (the index's text has a few hundred different characters).
    new = [c for c in set(text) if ord(c) not in _PLAIN]
    for c in new:
        _PLAIN[ord(c)] = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
    return text.translate(_PLAIN)


_PLAIN: dict[int, str] = {n: chr(n) for n in range(128)}


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


@dataclass
class Record:
    url: str
    title: str          # shown as the link
    page_title: str     # shown above a section's title
    kind: str
    text: str = ""
    terms: list[str] = field(default_factory=list)
    body_weight: float = 1.0
    title_weight: float = 8.0
    is_section: bool = False
    areas: list[str] = field(default_factory=lambda: [EVERYWHERE])  # the page's record only


def page_document(records: list[Record], areas: bool = False) -> str:
    """One Pagefind page for a site page: the folded words, weighted, with each section under a
    heading that carries the section's anchor, so Pagefind returns the sections as sub-results.
    One Pagefind page per site page (not per section) keeps the part of the index every search
    loads (a few bytes per page) small enough for a national site. The unfolded titles and
    texts travel as metadata, for the result list (kept out of the index: data-pagefind-ignore)."""
    from html import escape

    def fw(text: str) -> str:
        return escape(" ".join(words(text)))

    top, sections = records[0], records[1:]
    parts = ['<!doctype html><html lang="nb"><head><meta charset="utf-8"></head><body>',
             f'<h1 data-pagefind-weight="{top.title_weight}">{fw(top.title)}</h1>',
             f'<p data-pagefind-weight="7">{fw(" ; ".join(top.terms))}</p>',
             f'<div data-pagefind-weight="{top.body_weight}">{fw(top.text)}</div>']
    shown = {}
    for n, r in enumerate(sections):
        anchor = r.url.rpartition("#")[2]
        shown[anchor] = [r.title, r.text[:TEXT_SHOWN]]
        parts += [f'<h2 id="s{n}" data-pagefind-weight="{r.title_weight}">{fw(r.title)}</h2>',
                  f'<p data-pagefind-weight="7">{fw(" ; ".join(r.terms))}</p>',
                  f'<div data-pagefind-weight="{r.body_weight}">{fw(r.text)}</div>']
    anchors = [r.url.rpartition("#")[2] for r in sections]
    meta = {"url": top.url, "title": top.title, "kind": top.kind, "text": top.text[:TEXT_SHOWN],
            "sections": json.dumps({"anchors": anchors, "shown": shown}, ensure_ascii=False)}
    parts.append("<div data-pagefind-ignore>")
    parts += [f'<span data-pagefind-meta="{k}">{escape(v)}</span>' for k, v in meta.items()]
    if areas:
        parts += [f'<span data-pagefind-filter="omrade">{escape(a)}</span>' for a in top.areas]
    parts.append("</div></body></html>")
    return "".join(parts)


def _kind(url: str) -> tuple[str, float, float, float]:
    for prefix, label, body, title, section_title in KINDS:
        if url.startswith(prefix):
            return label, body, title, section_title
    return "Side", 1.0, 8.0, 4.0


def _text(el) -> str:
    return " ".join(el.text_content().split())


def _terms(el) -> list[str]:
    value = el.get("data-rb-search-terms") or el.get("content") or ""
    return [t.strip() for t in value.split(";") if t.strip()]


def _find_body(doc):
    """The page's content element (the first of BODY_SELECTORS found), or None."""
    for sel in BODY_SELECTORS:
        found = doc.xpath(_xpath(sel))
        if found:
            return found[0]
    return None


def page_records(html: str, url: str) -> list[Record]:
    """One record for the page (its title, lead text and terms), one per section."""
    doc = lxml.html.document_fromstring(html)
    if doc.xpath("//meta[@name='robots' and contains(@content, 'noindex')]"):
        return []
    body = _find_body(doc)
    if body is None:
        return []
    h1 = body.xpath(".//h1")
    title = _text(h1[0]) if h1 else _text(doc.find(".//title")) if doc.find(".//title") is not None else url
    page_terms = [t for m in doc.xpath("//meta[@name='rb-search-terms']") for t in _terms(m)]
    areas = [a for m in doc.xpath("//meta[@name='rb-areas']") for a in (m.get("content") or "").split()]
    for sel in DROP:
        for el in body.xpath("." + _xpath(sel)):
            el.drop_tree()
    kind, body_weight, title_weight, section_weight = _kind(url)
    top = Record(url=url, title=title, page_title=title, kind=kind, terms=page_terms,
                 body_weight=body_weight, title_weight=title_weight, areas=areas or [EVERYWHERE])
    records = _walk(body, top, section_weight)
    if url.startswith(REPEATS) or url in LIST_PAGES:
        return [top]
    # A heading with no text of its own (only subsections) is not a result; its subsections are.
    skip = CONTROL_SECTIONS | next((ids for prefix, ids in LISTS.items() if url.startswith(prefix)), set())
    return [r for r in records if (r.text or r.terms or r is top) and r.url.rpartition("#")[2] not in skip]


def _walk(body, top: Record, section_weight: float) -> list[Record]:
    """The page's record and one per section, with their text: the content in document order,
    where a heading with an id starts a section. `inside` counts the headings (and glossary
    terms) open around an element: their text is a title, not text."""
    records = [top]
    current = top
    chunks: dict[int, list[str]] = {id(top): []}
    inside = 0
    for event, el in lxml.etree.iterwalk(body, events=("start", "end")):
        if not isinstance(el.tag, str):
            continue
        heading = el.tag in HEADINGS
        if event == "end":
            inside -= heading
            continue
        parent_inside = inside > 0
        inside += heading
        anchor = _anchor(el)
        if anchor:
            strong = el.xpath(".//strong") if el.tag == "div" else []
            current = Record(url=f"{top.url}#{anchor}", title=_text(strong[0] if strong else el), page_title=top.title,
                             kind=top.kind, body_weight=top.body_weight, title_weight=section_weight, is_section=True)
            records.append(current)
            chunks[id(current)] = []
            continue
        if el.get("data-rb-search-terms") is not None:
            current.terms.extend(_terms(el))
            continue
        if el.tag == "h1":
            continue
        # Text directly in this element, and the tail after it (which belongs to its parent's
        # flow). Block elements are separated by a space; inline ones («NAV» in an <abbr>
        # followed by «-kontoret») are not.
        gap = "" if el.tag in INLINE else " "
        if el.text and not inside:
            chunks[id(current)].append(gap + el.text)
        if el.tail and el.getparent() is not None and not parent_inside \
                and el.getparent().tag not in SECTION_TAGS:
            chunks[id(current)].append(gap + el.tail)
        elif gap:
            chunks[id(current)].append(" ")
    for r in records:
        r.text = " ".join("".join(chunks[id(r)]).split())
    return records


def _anchor(el) -> str | None:
    """The id a record starts at: a section heading's, or a definition term's (glossary)."""
    if el.tag in SECTION_TAGS:
        return el.get("id")
    if "rb-alternative" in (el.get("class") or "").split():  # a phase's alternatives
        return el.get("id")
    if el.tag == "dt":
        found = [el.get("id")] if el.get("id") else el.xpath(".//*[@id]/@id")
        return found[0] if found else None
    return None


def site_pages(site: Path):
    """(file, url) for every HTML page a reader can reach."""
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site)
        if rel.parts[0] in {OUTPUT, "assets", "search"} or rel.name == "404.html":
            continue
        if rel.name == "index.html":
            url = "/" + "/".join(rel.parts[:-1]) + ("/" if len(rel.parts) > 1 else "")
        else:
            url = "/" + rel.as_posix()
        yield path, url


def collect(site: Path) -> list[Record]:
    return [r for page in collect_pages(site) for r in page]


def collect_pages(site: Path, store: Store | None = None) -> list[list[Record]]:
    """The records of every page: the page itself first, then its sections."""
    return [records for records, _ in _collect(site, store) if records]


_STORE: Store | None = None  # read by _page_file in workers
TEMP_PREFIX = "rb-search-"  # Pagefind's input: <temp>/rb-search-<pid>-*


def remove_stale_temp() -> None:
    """Pagefind input folders left by a process that is gone (a preview stopped at once by
    `make serve`'s next build, rutinebok.preview)."""
    base = Path(tempfile.gettempdir())
    try:
        names = [n for n in os.listdir(base) if n.startswith(TEMP_PREFIX)]
    except OSError:
        return
    for name in names:
        found = re.match(rf"{TEMP_PREFIX}(\d+)-", name)
        if found is None or int(found[1]) == os.getpid():
            continue
        try:
            os.kill(int(found[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(base / name, ignore_errors=True)
        except OSError:
            pass  # alive (another user's, or not ours to ask)


def _collect(site: Path, store: Store | None) -> list[tuple[list[Record], str]]:
    """(records, cache key) of every page; with a store, a page whose HTML is as at an earlier
    build is not parsed again."""
    global _STORE
    _STORE = store
    try:
        return map_items(_page_file, list(site_pages(site)))
    finally:
        _STORE = None


def _page_file(item: tuple[Path, str]) -> tuple[list[Record], str]:
    path, url = item
    html = path.read_bytes()
    if _STORE is None:
        return page_records(html.decode("utf-8"), url), ""
    k = buildcache.key("records", url, html)
    kept = _STORE.get_json(k)
    if isinstance(kept, list):
        try:
            return [Record(**r) for r in kept], k
        except TypeError:
            pass  # not records (another version's, or damaged): made again
    records = page_records(html.decode("utf-8"), url)
    _STORE.put_json(k, [asdict(r) for r in records])
    return records, k


def vocabulary(records: list[Record]) -> dict[str, dict[str, int]]:
    """Folded word -> number of records using it, sharded by the word's first two letters."""
    df: dict[str, int] = {}
    for r in records:
        for w in set(words(r.title + " " + r.text + " " + " ".join(r.terms))):
            df[w] = df.get(w, 0) + 1
    shards: dict[str, dict[str, int]] = {}
    for w, n in df.items():
        shards.setdefault(w[:2], {})[w] = n
    return shards


def _write_index(pages: list[list[Record]], out: Path, areas: bool = False, folders: Folders | None = None,
                 k: str | None = None) -> None:
    """Run the Pagefind binary over one small HTML file per site page. (Its Python API answers
    one file per 0.1 s, far too slow for a national site; the binary takes about 2.5 ms a page
    on one core.) With `folders` (the build cache), an index of exactly these documents made
    by an earlier build is copied instead: `k` names them (the pages' record keys), or else
    the documents themselves do."""
    from pagefind.service import get_executable

    documents = None
    if folders is not None:
        if k is None:
            documents = [page_document(records, areas) for records in pages]
            k = buildcache.key("pagefind", str(areas), *documents)
        if folders.copy_out(k, out):
            return
    if documents is None:
        documents = [page_document(records, areas) for records in pages]
    exe = get_executable()
    if exe is None:
        raise RuntimeError("finner ikke Pagefind (pip-pakken pagefind[bin]); kjør make install")
    with tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{os.getpid()}-") as tmp:
        src = Path(tmp)
        for n, document in enumerate(documents):
            (src / f"{n}.html").write_text(document, encoding="utf-8")
        # In the folder of its input and without PAGEFIND_* settings: no pagefind.yml of the
        # repository and nothing in the environment changes the index behind the cache's key.
        env = {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND")}
        proc = subprocess.run([str(exe), "--site", str(src), "--output-path", str(out.resolve()),
                               "--force-language", "is", "--quiet"],
                              capture_output=True, text=True, check=False, cwd=src, env=env)
        if proc.returncode != 0:
            raise RuntimeError("Pagefind feilet: " + (proc.stderr or proc.stdout).strip()[-500:])
    if folders is not None:
        folders.keep(k, out)
    return


def catalogue(pages: list[list[Record]]) -> list[list[Record]]:
    """The national index: a page that belongs to some municipalities by its title and lead
    (with its search words), a page for everyone whole, a page that gathers from every
    routine or organisation by its title."""
    out = []
    for records in pages:
        top = records[0]
        if top.url in GATHERING:
            out.append([replace(top, text="")])
        elif top.areas != [EVERYWHERE]:
            out.append([top])
        else:
            out.append(records)
    return out


def area_bundles(pages: list[list[Record]], size: int | None = None) -> list[list[str]]:
    """The municipalities of each bundle: consecutive in id order, until their pages (each
    counted once) pass `size`; a municipality with more gets a bundle of its own."""
    if size is None:
        size = env_int("RUTINEBOK_SEARCH_BUNDLE_PAGES", BUNDLE_PAGES)
    of_area: dict[str, list[int]] = {}
    for n, records in enumerate(pages):
        for a in records[0].areas:
            if a != EVERYWHERE:
                of_area.setdefault(a, []).append(n)
    bundles: list[list[str]] = []
    current: list[str] = []
    seen: set[int] = set()
    for a in sorted(of_area):
        more = seen.union(of_area[a])
        if current and len(more) > size:
            bundles.append(current)
            current, more = [], set(of_area[a])
        current.append(a)
        seen = more
    if current:
        bundles.append(current)
    return bundles


def _routine_pages(pages: list[list[Record]]) -> int:
    return sum(1 for records in pages if records[0].url.startswith("/rutiner/") and records[0].url != "/rutiner/")


def build(site: Path, cache: Path | None = None) -> dict:
    """Index `site` in place. The new index is written beside the old one and swapped in.
    `cache`: a folder kept between builds (rutinebok.buildcache): a page's records are kept by
    its HTML, an index part by the documents it indexes, so a build after a small change
    parses the pages that changed and runs Pagefind only for the parts they are in."""
    site = site.resolve()
    remove_stale_temp()
    store = folders = None
    if cache is not None and buildcache.check_not_tracked(cache):
        store = Store(Path(cache) / "records")
        folders = Folders(Path(cache) / "pagefind")
    found = _collect(site, store)
    pages = [records for records, _ in found if records]
    keys = [k for records, k in found if records]  # each page's records' key in the cache ("" without)
    records = [r for page in pages for r in page]
    if not records:
        raise ValueError(f"{site}: fant ingen sider å lage søkeindeks av")
    tmp = site / (OUTPUT + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    # RUTINEBOK_SEARCH_SCOPED_FROM: the tests try the national form on the seeds.
    scoped = _routine_pages(pages) > env_int("RUTINEBOK_SEARCH_SCOPED_FROM", SCOPED_FROM)
    bundles = area_bundles(pages) if scoped else []
    # Without municipalities (a builder that did not print the pages' rb-areas) there is
    # nothing to split by: one index over all the text.
    scoped = bool(bundles)
    settings: dict = {"areas": None}
    parts = site / (OUTPUT + ".areas.new")
    try:
        if scoped:
            # Written apart and moved in after: no Pagefind run writes inside another's output.
            shutil.rmtree(parts, ignore_errors=True)
            # The catalogue is known by its documents (a page's title and lead), a bundle by
            # its pages' records: a change in a page's sections remakes only its bundles.
            jobs = [(catalogue(pages), tmp, False, folders, None)]
            for n, members in enumerate(bundles):
                chosen = set(members)
                picked = [i for i, records in enumerate(pages) if records[0].areas == [EVERYWHERE]
                          or chosen.intersection(records[0].areas)]
                jobs.append(([pages[i] for i in picked], parts / str(n), True, folders,
                             buildcache.key("bundle", *(keys[i] for i in picked))))
            # Pagefind indexes on one core: a run per core at a time; the first failure stops the rest.
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=workers())
            try:
                for done in [pool.submit(_write_index, *job) for job in jobs]:
                    done.result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
            parts.rename(tmp / AREAS_BUNDLE)
            # The search box looks its municipality up here: which bundle holds its pages.
            settings = {"areas": AREAS_BUNDLE + "/",
                        "bundle": {a: n for n, members in enumerate(bundles) for a in members}}
        else:
            _write_index(pages, tmp, folders=folders, k=buildcache.key("all", *keys))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(parts, ignore_errors=True)
        raise
    # What the search box needs to know: whether a municipality's pages have a search of their own.
    # (Pagefind's own files may be links into the cache: only new names are written here.)
    (tmp / "rb-search.json").unlink(missing_ok=True)
    (tmp / "rb-search.json").write_text(json.dumps(settings), encoding="utf-8")
    vocab_key = buildcache.key("vocab", *keys)
    shards = store.get_json(vocab_key) if store is not None else None
    if shards is None:
        shards = vocabulary(records)
        if store is not None:
            store.put_json(vocab_key, shards)
    shutil.rmtree(tmp / "vocab", ignore_errors=True)
    (tmp / "vocab").mkdir(parents=True)
    for key, shard in shards.items():
        (tmp / "vocab" / f"{key}.json").write_text(json.dumps(shard, separators=(",", ":"), sort_keys=True),
                                                   encoding="utf-8")
    final = site / OUTPUT
    old = site / (OUTPUT + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    if store is not None:
        store.keep_only({k for _, k in found} | {vocab_key})
        folders.keep_only(folders.used)
    return {"records": len(records), "pages": sum(1 for r in records if not r.is_section),
            "words": sum(len(s) for s in shards.values()), "scoped": scoped}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("bruk: python -m rutinebok.search_index MAPPE_MED_BYGD_NETTSTED", file=sys.stderr)
        return 2
    site = Path(args[0])
    if not (site / "index.html").is_file():
        print(f"{site}: finner ikke index.html; bygg nettstedet først (make build)", file=sys.stderr)
        return 2
    try:
        stats = build(site)
    except (OSError, RuntimeError, ValueError) as exc:  # no traceback for editors
        print(f"{site}: søkeindeksen ble ikke laget: {exc}", file=sys.stderr)
        return 1
    print(f"Søkeindeks: {stats['pages']} sider, {stats['records']} treff-enheter, {stats['words']} ord"
          + (" (nasjonalt: tittel og innledning; hver kommune: all tekst)" if stats["scoped"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
