"""The macros of the hand-written pages (macros/main.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_incremental import renderer

ROOT = Path(__file__).resolve().parent.parent


def _macros(r) -> tuple[dict, object]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("rb_macros", ROOT / "macros" / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    macros: dict = {}

    class Env:
        def __init__(self):
            self.conf = {"extra": {"rutinebok_runtime": r}}

        def macro(self, fn):
            macros[fn.__name__] = fn
            return fn

    module.define_env(Env())
    return macros, module


def test_home_emergency_numbers_name_a_crisis_centre_only_on_a_small_site():
    r = renderer(ROOT / "data")
    macros, module = _macros(r)
    html = macros["emergency_numbers"]()
    assert 'href="tel:112"' in html and "Krisesenteret i Moss – døgnåpen telefon" in html
    assert 'href="omrade/"' not in html
    moss = r.ds.organisations["krisesenteret-i-moss"]
    for n in range(module.MAX_CENTRES_ON_HOME):
        copy = moss.model_copy(update={"id": f"krisesenter-{n}", "name": f"Krisesenter {n}", "short_name": None})
        r.ds.organisations[copy.id] = copy
    html = macros["emergency_numbers"]()
    # A national site: no one centre for everybody, a way to the reader's own instead.
    assert "Krisesenteret i Moss" not in html and 'href="omrade/"' in html and 'href="tel:112"' in html


def test_home_lists_the_routines_only_on_a_small_site():
    r = renderer(ROOT / "data")
    macros, module = _macros(r)
    text = macros["routine_list"]()
    assert "(rutiner/moss-krisesenter-nav.md)" in text and text.count("\n- ") == len(r.ds.routines) - 1
    moss = r.ds.routines["moss-krisesenter-nav"]
    for n in range(module.MAX_ROUTINES_ON_HOME):
        r.ds.routines[f"kopi-{n}"] = moss.model_copy(update={"id": f"kopi-{n}"})
    text = macros["routine_list"]()
    # A national site: the count, and the ways to the reader's own routines, not thousands of lines.
    assert "rutiner/moss-krisesenter-nav.md" not in text and len(text) < 300
    assert "(omrade/index.md)" in text and "(rutiner/index.md)" in text
    assert f"Det er {len(r.ds.routines)} rutiner" in text


def test_a_macro_naming_unknown_data_says_so():
    """A hand-written page's macro that names an id the data lacks stops with a message that
    names the id and the nearest one, never a traceback in the page (on_error_fail in mkdocs.yml)."""
    macros, module = _macros(renderer(ROOT / "data"))
    assert "Krisesenteret i Moss" in macros["contact_card"]("krisesenteret-i-moss")
    with pytest.raises(module.MacroError, match="«krisesenteret-i-mos».*mente du «krisesenteret-i-moss»"):
        macros["contact_card"]("krisesenteret-i-mos")
    with pytest.raises(module.MacroError, match="tidsregel"):
        macros["deadline"]("finnes-ikke")
    assert "on_error_fail: true" in (ROOT / "mkdocs.yml").read_text("utf-8")
