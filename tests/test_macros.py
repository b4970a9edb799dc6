"""The macros of the hand-written pages (macros/main.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_incremental import renderer

ROOT = Path(__file__).resolve().parent.parent


def test_a_macro_naming_unknown_data_says_so():
    """A hand-written page's macro that names an id the data lacks stops with a message that
    names the id and the nearest one, never a traceback in the page (on_error_fail in mkdocs.yml)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("rb_macros", ROOT / "macros" / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    macros: dict = {}

    class Env:
        def __init__(self):
            self.conf = {"extra": {"rutinebok_runtime": renderer(ROOT / "data")}}

        def macro(self, fn):
            macros[fn.__name__] = fn
            return fn

    module.define_env(Env())
    assert "Krisesenteret i Moss" in macros["contact_card"]("krisesenteret-i-moss")
    with pytest.raises(module.MacroError, match="«krisesenteret-i-mos».*mente du «krisesenteret-i-moss»"):
        macros["contact_card"]("krisesenteret-i-mos")
    with pytest.raises(module.MacroError, match="tidsregel"):
        macros["deadline"]("finnes-ikke")
    assert "on_error_fail: true" in (ROOT / "mkdocs.yml").read_text("utf-8")
