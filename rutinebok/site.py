"""The site engine, whatever builds the HTML: load and check data/, make the generated pages
and files, and write them as a docs tree any MkDocs-compatible builder can build.

    python -m rutinebok.site write DOCS_DIR [--pdf] [--draft]

writes content/ (the hand-written pages) plus every generated page and file into DOCS_DIR,
replacing it only when everything succeeded (a failed run leaves the old tree as it was).
Then any builder builds DOCS_DIR, and `python -m rutinebok.postbuild SITE` makes the built
pages safe and searchable. The MkDocs plugin (rutinebok/mkdocs_plugin.py) calls the same
engine in memory, so `mkdocs build` and `mkdocs serve` need no tree on disk.

Settings come from mkdocs.yml (site_url, site_name, extra.rutinebok), checked against a
typed schema: a misspelt setting stops the build instead of being ignored.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import os
import re
import shutil
import sys
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c

from .address import DRAFT_TITLE, AddressError, draft_requested, edit_base, require_public_site_url
from .escape import md_url

ROOT = Path(__file__).resolve().parent.parent


class SiteError(Exception):
    """A user error (bad settings, data with errors): the message says what to do, in Norwegian."""


class SiteSettings(base.Config):
    """`extra.rutinebok` in mkdocs.yml. The theme reads the same keys (quick exit, edit links)."""

    repo_url = c.Type(str, default="")
    edit_branch = c.Type(str, default="main")
    quick_exit_url = c.Type(str)
    quick_exit_label = c.Type(str)
    pdf = c.Type(bool, default=True)
    pdf_cache = c.Type(str, default="build/pdf")
    # What one build keeps for the next (rutinebok.buildcache): processed pages, search index parts.
    cache = c.Type(str, default="build/cache")


# `data` (the data folder) is also the name of the dict behind a Config, so it cannot be a class
# attribute; it is in the schema all the same, and read as settings["data"].
SiteSettings._schema = (("data", c.Type(str, default="data")), *SiteSettings._schema)


def _line_of(config_file: Path | None, key: str) -> str:
    """`mkdocs.yml:LINE:COL` of a key under extra.rutinebok, as far as the text shows it."""
    if config_file is None or not config_file.is_file():
        return "mkdocs.yml"
    for n, line in enumerate(config_file.read_text("utf-8").splitlines(), 1):
        m = re.match(rf"(\s+){re.escape(key)}\s*:", line)
        if m:
            return f"{config_file.name}:{n}:{len(m.group(1)) + 1}"
    return config_file.name


def read_settings(raw: object, config_file: Path | None = None) -> SiteSettings:
    """extra.rutinebok checked: unknown keys and wrong types are errors with a suggestion."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SiteError(f"{_line_of(config_file, 'rutinebok')}: extra.rutinebok må være en tabell med "
                        "innstillinger (data, repo_url, edit_branch, quick_exit_url, quick_exit_label, pdf)")
    settings = SiteSettings(config_file_path=str(config_file) if config_file else None)
    settings.load_dict(dict(raw))
    failed, warnings = settings.validate()
    known = [key for key, _ in SiteSettings._schema]
    problems = []
    for key, err in failed:
        problems.append(f"{_line_of(config_file, key)}: extra.rutinebok.{key}: ugyldig verdi ({err})")
    for key, _warning in warnings:
        if key in known:
            continue
        guess = difflib.get_close_matches(key, known, n=1)
        hint = f"; mente du «{guess[0]}»?" if guess else f"; kjente innstillinger: {', '.join(known)}"
        problems.append(f"{_line_of(config_file, key)}: extra.rutinebok.{key}: ukjent innstilling{hint}")
    if problems:
        raise SiteError("\n".join(problems))
    return settings


def draft_banner(markdown: str) -> str:
    """Every page of a draft says so, so a screenshot or a printout cannot pass for the real site."""
    return (f'!!! danger "{DRAFT_TITLE}"\n    Dette er en lokal forhåndsvisning, ikke det publiserte '
            "nettstedet. PDF-ene har ingen QR-kode og skal ikke signeres.\n\n" + markdown)


def edit_footer(edit_base_url: str, source_path: str) -> str:
    """«Foreslå endring på denne siden» under a hand-written page, linking to its own file in the
    repository. Part of the page's Markdown, so every builder shows it (not a theme template
    that only MkDocs fills in); generated pages link to their data files instead."""
    if not edit_base_url:
        return ""
    return f"\n\n[Foreslå endring på denne siden]({md_url(edit_base_url + source_path)}){{ .rb-edit }}\n{{: .rb-edit-footer }}\n"


_FRONT_MATTER = re.compile(r"\A(-{3}[ \t]*\n.*?\n(?:-{3}|\.{3})[ \t]*\n)", re.DOTALL)


def split_front_matter(text: str) -> tuple[str, str]:
    m = _FRONT_MATTER.match(text)
    return (m.group(1), text[m.end():]) if m else ("", text)


@dataclass
class Project:
    """Where things are and what kind of build this is."""

    root: Path
    settings: SiteSettings
    site_url: str
    site_name: str
    draft: bool
    today: dt.date
    edit_base: str = ""

    @property
    def data_dir(self) -> Path:
        return self.root / (os.environ.get("RUTINEBOK_DATA") or self.settings["data"])

    @cached_property
    def cache_dir(self) -> Path | None:
        """The build cache (extra.rutinebok.cache, rutinebok.buildcache), or None when git cannot
        tell whether it came with the repository. One with tracked files stops the build."""
        from .buildcache import UntrustedCache, check_not_tracked

        folder = self.root / self.settings.cache
        try:
            return folder if check_not_tracked(folder) else None
        except UntrustedCache as exc:
            raise SiteError(str(exc)) from None

    @classmethod
    def from_mkdocs(cls, config_file: Path, *, serve: bool = False) -> Project:
        """From a mkdocs.yml file (its !ENV tags resolved as MkDocs does)."""
        from mkdocs.utils.yaml import yaml_load

        with open(config_file, "rb") as fh:
            raw = yaml_load(fh) or {}
        extra = raw.get("extra") or {}
        return cls.make(Path(config_file).resolve(), raw.get("site_url"), raw.get("site_name") or "Rutinebok",
                        extra.get("rutinebok"), serve=serve)

    @classmethod
    def make(cls, config_file: Path, site_url: str | None, site_name: str, raw_settings: object, *,
             serve: bool = False) -> Project:
        settings = read_settings(raw_settings, config_file)
        # `mkdocs serve` is always a local preview: a draft, whatever site_url says.
        draft = serve or draft_requested()
        try:
            if not draft:
                site_url = require_public_site_url(site_url)
            edit = edit_base(settings.repo_url, settings.edit_branch or "main")
        except AddressError as exc:
            raise SiteError(str(exc)[:1].upper() + str(exc)[1:]) from None
        today_text = os.environ.get("RUTINEBOK_TODAY")
        try:
            today = dt.date.fromisoformat(today_text) if today_text else dt.date.today()
        except ValueError:
            raise SiteError(f"RUTINEBOK_TODAY={today_text!r} er ikke en dato; skriv ÅÅÅÅ-MM-DD, "
                            "for eksempel 2026-11-22") from None
        project = cls(Path(config_file).parent, settings, site_url or "", site_name, draft, today, edit)
        # The data folder of mkdocs.yml is the repository's own; RUTINEBOK_DATA is the operator's
        # choice (a benchmark corpus, a test's copy) and may be anywhere.
        if not os.environ.get("RUTINEBOK_DATA"):
            from .safefiles import outside_folder

            if why := outside_folder(project.data_dir, project.root):
                raise SiteError(why[:1].upper() + why[1:] + ". Nettstedet ble ikke bygget.")
        return project


class Engine:
    """The loaded, checked data and everything the site makes from it."""

    def __init__(self, project: Project, log=None, load_cache=None, shown: set[str] | None = None):
        """`shown`: the warnings the last build of the same `make serve` logged (updated here);
        only the others are logged (an editor saw the same warnings after every save)."""
        from .buildcache import Table
        from .checks import run_checks
        from .findings import Report
        from .load import load_dataset

        self.project = project
        self.serving = load_cache is not None  # `make serve`: what it keeps between saves is in memory
        report = Report()
        # The plain data of every file an earlier build read, by its text (rutinebok.buildcache;
        # the plugin checked before that the cache is not the repository's).
        parsed = Table(project.cache_dir, "yaml.json") if project.cache_dir is not None else None
        self.ds = load_dataset(project.data_dir, report, display_base=project.root, cache=load_cache,
                               parsed=parsed)
        if parsed is not None and load_cache is None:
            # (`make serve` keeps what it read in memory: its saves would drop the files its
            # memory answered for.)
            parsed.save()
        if not self.ds.failed_files:
            report.extend(run_checks(self.ds, project.today))
        self.report = report
        if log is not None:
            again, now = 0, set()
            for f in report.sorted():
                line = f.format()
                if f.severity == "error":
                    log.error(line)
                    continue
                now.add(line)
                if shown is not None and line in shown:
                    again += 1
                else:
                    log.info(line)  # warnings are shown on the pages; the check command lists them
            if shown is not None:
                shown.clear()
                shown.update(now)
            if again:
                log.info(f"… og {again} advarsler som er vist før (rutinebok check viser alle)")
        if report.errors:
            raise SiteError(f"Dataene har {len(report.errors)} feil; nettstedet ble ikke bygget, "
                            "og forrige versjon er urørt. Kjør `rutinebok check` for detaljer.")

    @property
    def public_url(self) -> str:
        return "" if self.project.draft else self.project.site_url

    @cached_property
    def renderer(self):
        from .render import SiteOptions, SiteRenderer
        from .sign import signing_status

        p = self.project
        options = SiteOptions(edit_base=p.edit_base, today=p.today, site_name=p.site_name)
        renderer = SiteRenderer(self.ds, self.report.findings, options)
        renderer.pdf = bool(p.settings.pdf)
        renderer.signed = signing_status(self.ds, p.root / "signed", p.data_dir)
        return renderer

    def pages(self, memo=None) -> dict[str, str]:
        """The generated Markdown pages by path in the docs tree. With the memo of the last
        build (rutinebok.incremental.Memo, kept by `make serve`, or else read from the build
        cache), only the pages a change can reach are made again."""
        from . import incremental
        from .helpseeker import PathError

        # A build (not `make serve`, which keeps its memo in memory) starts from the memo the
        # last build left in the build cache: a page no change reaches is not made again.
        kept = memo is None and self.project.cache_dir is not None
        if kept:
            memo = incremental.load(self.project.cache_dir)
        try:
            made = incremental.pages(self.renderer, memo)
        except PathError as err:
            raise SiteError(f"{err}; nettstedet ble ikke bygget, og forrige versjon er urørt") from None
        if kept and not memo.same:
            # (nothing changed: the memo read serves the next build as well, and is not written
            # again, 141 MB at 5,000 routines)
            incremental.save(memo, self.project.cache_dir)
        return made

    def files(self, *, pdf: bool | None = None) -> dict[str, bytes | Path]:
        """The generated files beside the pages: diagrams, the calendar, PDFs and signed copies
        (bytes, or the path of a file to copy)."""
        from .buildcache import Table
        from .render import calendar_ics

        out: dict[str, bytes | Path] = dict(self.renderer.assets())
        # A build keeps each calendar event's bytes in the build cache (`make serve` keeps them
        # in memory): 3,000 events at 1,000 routines took icalendar about a second.
        kept = Table(self.project.cache_dir, "ics.json") if self.project.cache_dir is not None and not self.serving \
            else None
        out["kalender.ics"] = calendar_ics(self.renderer, self.public_url, kept)
        if kept is not None:
            kept.save()
        if self.project.settings.pdf if pdf is None else pdf:
            out.update(self.build_pdfs())
        for rid, copies in self.renderer.signed.items():
            for copy in copies:
                out[f"pdf/signert/{rid}/{copy['file']}"] = self.project.root / "signed" / rid / copy["file"]
        return out

    @property
    def pdf_cache(self) -> Path:
        return self.project.root / self.project.settings.pdf_cache

    def build_pdfs(self, jobs: int | None = None) -> dict[str, Path]:
        """The routines' PDFs, made into the cache (incremental: the cache keeps a manifest, so
        unchanged routines are not rendered again), by their path on the site."""
        from .buildcache import UntrustedCache, check_not_tracked
        from .pdf import PdfError, build_pdfs

        try:
            check_not_tracked(self.pdf_cache)
            # The findings and, when the pages were made, the index: not checked and indexed again.
            index = self.__dict__["renderer"].index if "renderer" in self.__dict__ else None
            build_pdfs(self.project.data_dir, self.pdf_cache, site_url=self.public_url, today=self.project.today,
                       ds=self.ds, draft=self.project.draft, jobs=jobs, findings=self.report.findings, index=index)
        except (PdfError, UntrustedCache) as exc:
            raise SiteError(f"PDF-ene ble ikke laget: {exc}") from None
        return {f"pdf/{rid}.pdf": self.pdf_cache / f"{rid}.pdf" for rid in self.ds.routines}

    def write(self, docs_dir: Path, content_dir: Path, *, pdf: bool | None = None) -> None:
        """content_dir + the generated pages and files into docs_dir, all or nothing."""
        docs_dir = Path(docs_dir)
        pages = self.pages()
        files = self.files(pdf=pdf)
        new = docs_dir.with_name(docs_dir.name + ".new")
        shutil.rmtree(new, ignore_errors=True)
        try:
            self._fill(new, content_dir, pages, files)
        except BaseException:
            shutil.rmtree(new, ignore_errors=True)
            raise
        old = docs_dir.with_name(docs_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if docs_dir.exists():
            docs_dir.rename(old)
        new.rename(docs_dir)
        shutil.rmtree(old, ignore_errors=True)

    def _fill(self, new: Path, content_dir: Path, pages: dict[str, str], files: dict[str, bytes | Path]) -> None:
        shutil.copytree(content_dir, new)
        for md in new.rglob("*.md"):
            rel = md.relative_to(new).as_posix()
            if rel in pages:
                raise SiteError(f"{content_dir.name}/{rel} finnes, men siden lages fra data/; "
                                "fjern den håndskrevne filen")
            footer = edit_footer(self.project.edit_base, f"{content_dir.name}/{rel}")
            if self.project.draft or footer:
                front, body = split_front_matter(md.read_text("utf-8"))
                md.write_text(front + (draft_banner(body) if self.project.draft else body) + footer, "utf-8")
        for rel, text in pages.items():
            dest = new / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            front, body = split_front_matter(text)
            dest.write_text(front + (draft_banner(body) if self.project.draft else body), "utf-8")
        for rel, content in files.items():
            dest = new / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, dest)
            else:
                dest.write_bytes(content)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rutinebok.site", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write", help="skriv sidetreet (content/ + genererte sider og filer) til DOCS_DIR")
    w.add_argument("docs_dir", type=Path)
    w.add_argument("--config", type=Path, default=Path("mkdocs.yml"))
    w.add_argument("--pdf", action=argparse.BooleanOptionalAction, default=None,
                   help="lag PDF-ene også (standard: extra.rutinebok.pdf i mkdocs.yml)")
    w.add_argument("--draft", action="store_true", help="et utkast (som `make serve`)")
    args = p.parse_args(argv)
    try:
        if not args.config.is_file():
            raise SiteError(f"{args.config}: finnes ikke; kjør kommandoen fra prosjektmappen eller oppgi --config")
        project = Project.from_mkdocs(args.config, serve=args.draft)
        engine = Engine(project, log=_StderrLog())
        engine.write(args.docs_dir, project.root / "content", pdf=args.pdf)
    except SiteError as exc:
        print(f"feil: {exc}", file=sys.stderr)
        return 1
    print(f"{args.docs_dir}: {len(engine.pages())} genererte sider skrevet")
    return 0


class _StderrLog:
    def error(self, text: str) -> None:
        print(text, file=sys.stderr)

    def info(self, text: str) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())
