"""The MkDocs plugin (`plugins: [rutinebok]`): hands MkDocs what the engine makes, in memory.

Thin on purpose: loading, checking, pages and files are the engine's (rutinebok.site), and
the HTML pass after the build is rutinebok.postbuild, the same step any other builder runs
over its output. Settings are `extra.rutinebok` in mkdocs.yml (the theme reads them too),
checked by rutinebok.site.SiteSettings: a misspelt key stops the build.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config import base
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .site import Engine, Project, SiteError, draft_banner

log = logging.getLogger("mkdocs.plugins.rutinebok")


class RutinebokPluginConfig(base.Config):
    """No settings of its own: they live in extra.rutinebok, where the theme finds them."""


class RutinebokPlugin(BasePlugin[RutinebokPluginConfig]):
    def __init__(self) -> None:
        self.command = ""
        self.engine: Engine | None = None

    def on_startup(self, *, command, dirty) -> None:
        self.command = command  # defining on_startup keeps one plugin object across serve's rebuilds

    def on_config(self, config):
        """Load and check the data before anything is written: errors stop the build here."""
        try:
            project = Project.make(Path(config.config_file_path).resolve(), config.site_url, config.site_name,
                                   config.extra.get("rutinebok"), serve=self.command == "serve")
            self.engine = Engine(project, log=log)
        except SiteError as exc:
            raise PluginError(str(exc)) from None
        if not project.draft:
            config.site_url = project.site_url
        config.extra["rutinebok_runtime"] = self.engine.renderer  # for the macros in macros/main.py
        return config

    def on_files(self, files: Files, config) -> Files:
        try:
            pages = self.engine.pages()
            generated = self.engine.files()
        except SiteError as exc:
            raise PluginError(str(exc)) from None
        for path, text in pages.items():
            if files.get_file_from_path(path):
                raise PluginError(f"content/{path} finnes, men siden lages fra data/; fjern den håndskrevne filen")
            files.append(File.generated(config, path, content=text))
        for path, content in generated.items():
            if isinstance(content, Path):
                files.append(File.generated(config, path, abs_src_path=str(content)))
            else:
                files.append(File.generated(config, path, content=content))
        return files

    def on_page_markdown(self, markdown: str, page, config, files) -> str:
        return draft_banner(markdown) if self.engine.project.draft else markdown

    def on_serve(self, server, config, builder):
        server.watch(str(self.engine.project.data_dir))
        return server

    def on_post_build(self, config) -> None:
        """The builder-independent pass over the built site: sanitising, table labels,
        glossary terms, CSP, search index (rutinebok.postbuild)."""
        from .postbuild import run
        from .search_index import build as build_search_index

        r = self.engine.renderer
        run(Path(config.site_dir), r.glossary_terms(), r.names_with_spaces(), index=False)
        try:
            build_search_index(Path(config.site_dir))
        except Exception as exc:
            if self.command != "serve":
                raise
            log.warning(f"Søkeindeksen ble ikke laget: {exc}")  # a missing index must not stop the preview
