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
import sys
from collections.abc import Iterable
from pathlib import Path

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


def process_page(html: str, url: str, terms: list[GlossaryTerm], names: list[str]) -> str:
    start = html.find(START)
    end = html.rfind(END)
    # First start and last end: whatever the page's content holds (a look-alike marker
    # included) lies between the theme's two markers, so all of it is sanitised.
    if start != -1 and end > start:
        content = str(sanitize_html(html[start + len(START):end]))
        if url != GLOSSARY_URL:
            # Table labels and glossary terms in one parse (large pages are mostly parsing).
            content = mark_terms(content, terms, names, "../" * url.count("/") + GLOSSARY_URL, label_tables=True)
        else:
            content = label_table_cells(content)
        html = html[:start] + content + html[end + len(END):]
    return with_policy(html)


_JOB: tuple[Path, list[GlossaryTerm], list[str]] | None = None  # read by _process_file in workers


def _process_file(path: Path) -> int:
    """Process one page in place; 1 when it had content."""
    site, terms, names = _JOB
    html = path.read_text("utf-8")
    out = process_page(html, page_url(path.relative_to(site).as_posix()), terms, names)
    if out != html:
        path.write_text(out, "utf-8")
    return int(START in html)


def run(site: Path, terms: list[GlossaryTerm], names: list[str], *, index: bool = True,
        paths: Iterable[Path | str] | None = None) -> int:
    """Process the pages of the built site in place; returns how many pages had content.

    `paths`: only these HTML files (absolute, or relative to `site`), for a rebuild that wrote
    only some pages; the others were processed when they were written. Default: every page."""
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
    global _JOB
    _JOB = (site, terms, names)
    try:
        done = sum(map_items(_process_file, work))
    finally:
        _JOB = None
    if index:
        from .search_index import build as build_search_index

        build_search_index(site)
    return done


def main(argv: list[str] | None = None) -> int:
    from .site import Engine, Project, SiteError

    p = argparse.ArgumentParser(prog="python -m rutinebok.postbuild", description=__doc__.splitlines()[0])
    p.add_argument("site", type=Path)
    p.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    p.add_argument("--no-index", action="store_true", help="uten søkeindeksen")
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
    n = run(args.site, engine.renderer.glossary_terms(), engine.renderer.names_with_spaces(),
            index=not args.no_index)
    print(f"{args.site}: {n} sider etterbehandlet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
