"""One pass over the built site, after any builder (MkDocs, Zensical):

    python -m rutinebok.postbuild SITE_DIR [--config mkdocs.yml]

For every HTML page:
1. the page's content (what Markdown made of the page, between the markers that
   overrides/partials/content.html puts around it) goes through the HTML allowlist
   (escape.sanitize_html): whatever a template or Markdown let through, no script, event
   handler, style or unsafe link is left; the markers go with it;
2. tables get their column headings on every cell, so they stack into cards on a phone;
3. the first use of each glossary term opens its explanation on tap (not on the glossary);
   2 and 3 in one parse of the page, in time linear in its size whatever the number of names;
4. the Content-Security-Policy gets the hashes of the page's own inline scripts.
Then the search index is made over the finished pages (rutinebok.search_index).

The builder decides nothing here: a page the builder wrote without the markers (its own 404
page, a redirect) keeps its content as the theme made it and gets the policy. A page whose
markers are gone was processed already; running the pass again changes nothing there.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from . import buildcache
from .buildcache import Store
from .csp import with_policy
from .escape import sanitize_html
from .parallel import map_items
from .tables import label_table_cells
from .terms import GlossaryTerm, mark_terms

START = "<!--rb:page-->"
END = "<!--/rb:page-->"
GLOSSARY_URL = "ordliste/"


def page_url(rel: str) -> str:
    """The page's address relative to the site root, as MkDocs gives it (`rutiner/x/`)."""
    return rel.removesuffix("index.html")


def process_content(content: str, url: str, terms: list[GlossaryTerm], names: list[str]) -> str:
    """What Markdown made of a page, made safe, with its tables labelled and its terms marked."""
    content = str(sanitize_html(content))
    if url != GLOSSARY_URL:
        # Table labels and glossary terms in one parse (large pages are mostly parsing).
        return mark_terms(content, terms, names, "../" * url.count("/") + GLOSSARY_URL, label_tables=True)
    return label_table_cells(content)


def process_page(html: str, url: str, terms: list[GlossaryTerm], names: list[str]) -> str:
    """The page with its content processed and its Content-Security-Policy set."""
    return _process(html, url, terms, names)[0]


def _process(html: str, url: str, terms: list[GlossaryTerm], names: list[str],
             store: Store | None = None, glossary_key: str = "") -> tuple[str, str | None]:
    """The processed page, and the cache key of its content (None: no cache, or no content)."""
    start = html.find(START)
    end = html.rfind(END)
    k = None
    # First start and last end: whatever the page's content holds (a look-alike marker
    # included) lies between the theme's two markers, so all of it is sanitised.
    if start != -1 and end > start:
        raw = html[start + len(START):end]
        content = None
        if store is not None:
            # By everything the result is made of: the content, where the page is (links to
            # the glossary are relative), the glossary, and the code (buildcache.key).
            k = buildcache.key(url, glossary_key, raw)
            cached = store.get(k)
            try:
                content = cached.decode("utf-8") if cached is not None else None
            except UnicodeDecodeError:
                content = None
        if content is None:
            content = process_content(raw, url, terms, names)
            if store is not None:
                store.put(k, content.encode("utf-8"))
        html = html[:start] + content + html[end + len(END):]
    return with_policy(html), k


def glossary_key(terms: list[GlossaryTerm], names: list[str]) -> str:
    """The glossary as a cache key part: every term with its words, and the names kept whole."""
    return json.dumps([[[t.term, t.expansion, t.explanation] for t in terms], names], ensure_ascii=False)


_JOB: tuple[Path, list[GlossaryTerm], list[str], Store | None, str] | None = None  # read by _process_file in workers


def _process_file(path: Path) -> str | None:
    """Process one page in place; its content's cache key ("" without a cache, None when it
    had no content)."""
    site, terms, names, store, gkey = _JOB
    html = path.read_text("utf-8")
    out, k = _process(html, page_url(path.relative_to(site).as_posix()), terms, names, store, gkey)
    if out != html:
        path.write_text(out, "utf-8")
    if START not in html:
        return None
    return k or ""


def run(site: Path, terms: list[GlossaryTerm], names: list[str], *, index: bool = True,
        paths: Iterable[Path | str] | None = None, cache: Path | None = None) -> int:
    """Process the pages of the built site in place; returns how many pages had content.

    `paths`: only these HTML files (absolute, or relative to `site`), for a rebuild that wrote
    only some pages; the others were processed when they were written. Default: every page.
    `cache`: a folder kept between builds (rutinebok.buildcache), where each page's processed
    content is stored by what it was made from; a page whose content the builder wrote as
    before is not processed again."""
    site = Path(site)
    if paths is None:
        chosen = sorted(site.rglob("*.html"))
    else:
        chosen = []
        for p in paths:
            path = Path(p) if Path(p).is_absolute() else site / p
            if not path.resolve().is_relative_to(site.resolve()):
                raise ValueError(f"{p}: not a page of the built site {site}")
            if path.suffix == ".html" and path.is_file():
                chosen.append(site / path.resolve().relative_to(site.resolve()))
        chosen = sorted(set(chosen))
    work = [path for path in chosen if not path.relative_to(site).as_posix().startswith(("pagefind/", "assets/"))]
    store = None
    if cache is not None and buildcache.check_not_tracked(cache):
        store = buildcache.Store(Path(cache) / "postbuild")
    global _JOB
    _JOB = (site, terms, names, store, glossary_key(terms, names))
    try:
        keys = map_items(_process_file, work)
    finally:
        _JOB = None
    if store is not None and paths is None:
        store.keep_only({k for k in keys if k})
    if index:
        from .search_index import build as build_search_index

        build_search_index(site, cache=cache)
    return sum(1 for k in keys if k is not None)


def main(argv: list[str] | None = None) -> int:
    from .site import Engine, Project, SiteError

    p = argparse.ArgumentParser(prog="python -m rutinebok.postbuild", description=__doc__.splitlines()[0])
    p.add_argument("site", type=Path)
    p.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    p.add_argument("--no-index", action="store_true", help="uten søkeindeksen")
    p.add_argument("--no-cache", action="store_true",
                   help="gjør alt på nytt uten hurtiglageret fra forrige bygg (extra.rutinebok.cache)")
    args = p.parse_args(argv)
    try:
        if not args.site.is_dir():
            raise SiteError(f"{args.site}: finnes ikke; bygg nettstedet først")
        if not args.config.is_file():
            raise SiteError(f"{args.config}: finnes ikke; kjør kommandoen fra prosjektmappen eller oppgi --config")
        engine = Engine(Project.from_mkdocs(args.config, serve=True))
    except SiteError as exc:
        print(f"feil: {exc}", file=sys.stderr)
        return 1
    try:
        n = run(args.site, engine.renderer.glossary_terms(), engine.renderer.names_with_spaces(),
                index=not args.no_index, cache=None if args.no_cache else engine.project.cache_dir)
    except buildcache.UntrustedCache as exc:
        print(f"feil: {exc}", file=sys.stderr)
        return 1
    print(f"{args.site}: {n} sider etterbehandlet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
