"""The MkDocs plugin (`plugins: [rutinebok]`): hands MkDocs what the engine makes, in memory.

Thin on purpose: loading, checking, pages and files are the engine's (rutinebok.site), and
the HTML pass after the build is rutinebok.postbuild, the same step any other builder runs
over its output. Settings are `extra.rutinebok` in mkdocs.yml (the theme reads them too),
checked by rutinebok.site.SiteSettings: a misspelt key stops the build.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from mkdocs.config import base
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .buildcache import UntrustedCache, check_not_tracked
from .render import _CompiledTemplates
from .site import Engine, Project, SiteError, draft_banner, edit_footer

log = logging.getLogger("mkdocs.plugins.rutinebok")


class RutinebokPluginConfig(base.Config):
    """No settings of its own: they live in extra.rutinebok, where the theme finds them."""


class RutinebokPlugin(BasePlugin[RutinebokPluginConfig]):
    def __init__(self) -> None:
        self.command = ""
        self.dirty = False
        self.engine: Engine | None = None
        # `mkdocs serve --dirty` (make serve): the generated pages of the last build, so a
        # rebuild after one YAML change sends only the pages whose text changed through
        # Markdown and the theme, and the post-build pass only over those.
        self._previous: dict[str, str] = {}
        self._load_cache = None
        self._memo = None
        self._shown: set[str] | None = None  # findings logged by earlier serve builds
        self._pdfs_later = False
        self._background: subprocess.Popen | None = None

    def on_startup(self, *, command, dirty) -> None:
        # Defining on_startup keeps one plugin object across serve's rebuilds.
        self.command, self.dirty = command, dirty
        if command == "serve":
            from .incremental import Memo
            from .load import LoadCache

            # Kept across serve's rebuilds: unchanged files are not parsed again, and only the
            # pages a change can reach are made again (rutinebok.incremental).
            self._load_cache, self._memo, self._shown = LoadCache(), Memo(), set()
        if dirty:
            logging.getLogger("mkdocs.commands.build").addFilter(_DirtyNotice())

    def on_config(self, config):
        """Load and check the data before anything is written: errors stop the build here."""
        self._stop_background()  # its PDFs and index would be of the data before this change
        try:
            project = Project.make(Path(config.config_file_path).resolve(), config.site_url, config.site_name,
                                   config.extra.get("rutinebok"), serve=self.command == "serve")
            # Before anything is written: a PDF cache that came with the repository stops the
            # build (the site cache is checked by the engine as it opens it).
            check_not_tracked(project.root / project.settings.pdf_cache)
            self.engine = Engine(project, log=log, load_cache=self._load_cache, shown=self._shown)
        except (SiteError, UntrustedCache) as exc:
            raise PluginError(str(exc)) from None
        if not project.draft:
            config.site_url = project.site_url
        config.extra["rutinebok_runtime"] = self.engine.renderer  # for the macros in macros/main.py
        return config

    def on_files(self, files: Files, config) -> Files:
        # In the preview the PDFs follow the page (on_post_build); until then the last ones show.
        self._pdfs_later = self.command == "serve" and self.engine.project.settings.pdf
        try:
            pages = self.engine.pages(self._memo)
            generated = self.engine.files(pdf=False if self._pdfs_later else None)
        except SiteError as exc:
            raise PluginError(str(exc)) from None
        if self.dirty:
            for f in files.documentation_pages():
                f.is_modified = _always  # hand-written pages may show data through macros; a handful
        for path, text in pages.items():
            if files.get_file_from_path(path):
                raise PluginError(f"content/{path} finnes, men siden lages fra data/; fjern den håndskrevne filen")
            f = File.generated(config, path, content=text)
            if self.dirty and self._previous.get(path) == text and Path(f.abs_dest_path).is_file():
                f.is_modified = _never
            files.append(f)
        if self.dirty:
            self._previous = pages
        if self._pdfs_later:
            made = {f"pdf/{rid}.pdf": self.engine.pdf_cache / f"{rid}.pdf" for rid in self.engine.ds.routines}
            ready = {path: pdf for path, pdf in made.items() if pdf.is_file()}
            generated.update(ready)
            # A PDF not made yet (a fresh clone) comes with the preview after this build: the
            # routine page's link to it is not a broken link, which --strict would stop on.
            _PDFS_LATER.paths = set(made) - set(ready)
        for path, content in generated.items():
            if isinstance(content, Path):
                files.append(File.generated(config, path, abs_src_path=str(content)))
            else:
                files.append(File.generated(config, path, content=content))
        return files

    def on_pre_build(self, config) -> None:
        self._build_started = time.time_ns()

    def on_env(self, env, config, files):
        if self.command == "serve":
            # serve makes a new theme environment for every rebuild; its compiled templates are
            # kept instead of compiling the theme again each time (about 0.2 s).
            env.bytecode_cache = _THEME_COMPILED
        return env

    def on_page_markdown(self, markdown: str, page, config, files) -> str:
        if self.engine.project.draft:
            markdown = draft_banner(markdown)
        if page.file.generated_by is None and self.engine.project.edit_base:
            # Hand-written: link to its own file in the repository (as the tree build does).
            docs = Path(config.docs_dir).resolve()
            root = self.engine.project.root.resolve()
            folder = docs.relative_to(root).as_posix() if docs.is_relative_to(root) else docs.name
            markdown += edit_footer(self.engine.project.edit_base, f"{folder}/{page.file.src_uri}")
        return markdown

    def on_serve(self, server, config, builder):
        server.watch(str(self.engine.project.data_dir))
        return server

    def on_post_build(self, config) -> None:
        """The builder-independent pass over the built site: sanitising, table labels,
        glossary terms, CSP, search index (rutinebok.postbuild)."""
        from .postbuild import run
        from .search_index import build as build_search_index

        r = self.engine.renderer
        site = Path(config.site_dir)
        written = None
        if self.dirty and self.command == "serve":
            # A dirty rebuild wrote only the changed pages (and the theme's own): the pass goes
            # over those. Pages not written again were processed after an earlier build.
            started = getattr(self, "_build_started", 0) - 2_000_000_000  # coarse file clocks
            written = [p for p in site.rglob("*.html") if p.stat().st_mtime_ns >= started]
        cache = self.engine.project.cache_dir
        try:
            run(site, r.glossary_terms(), r.names_with_spaces(), index=False, paths=written, cache=cache)
            if self.command != "serve":
                build_search_index(site, cache=cache)
                return
        except UntrustedCache as exc:
            raise PluginError(str(exc)) from None

        # The preview shows the changed page first; its PDFs and search index follow, made by a
        # process of their own (rutinebok.preview) that the next build stops.
        self._start_background(Path(config.config_file_path).resolve(), site, pdf=self._pdfs_later)

    def _start_background(self, config_file: Path, site: Path, *, pdf: bool) -> None:
        cmd = [sys.executable, "-m", "rutinebok.preview", str(config_file), str(site)] + (["--pdf"] if pdf else [])
        # A session of its own: Ctrl-C in the terminal reaches the server, which stops it
        # (on_shutdown), and stopping it stops Pagefind with it.
        self._background = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    def _stop_background(self) -> None:
        proc, self._background = self._background, None
        if proc is None:
            return
        if proc.poll() is None:
            # It writes the PDF cache's manifest and removes its temporary files as it stops;
            # each PDF and the index are swapped in whole or not at all.
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        else:
            proc.wait()

    def on_shutdown(self) -> None:
        """Before serve removes its temporary site folder."""
        self._stop_background()


_THEME_COMPILED = _CompiledTemplates()


class _PdfsLater(logging.Filter):
    """MkDocs' warning that a page links to a PDF the docs do not hold, for the PDFs `make serve`
    makes after the build (RutinebokPlugin.on_files); any other missing link is still warned of."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (self.paths and "but the target '" in message
                    and message.split("but the target '", 1)[1].split("'", 1)[0] in self.paths)


_PDFS_LATER = _PdfsLater()
logging.getLogger("mkdocs.structure.pages").addFilter(_PDFS_LATER)


class _DirtyNotice(logging.Filter):
    """MkDocs warns that a dirty build may leave navigation and links stale, which under
    --strict stops every rebuild. Here it cannot: the navigation lists only hand-written and
    index pages, which are rebuilt every time, and a page's links change only with its text."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "A 'dirty' build is being performed" not in record.getMessage()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _always() -> bool:
    return True


def _never() -> bool:
    return False
