"""Property: whatever text a pull request puts in any string field, the built outputs carry it
as inert text (issue 9).

The fields are derived from the pydantic models (every free-text string field of every
model kind that occurs in data/), not listed by hand. Each example puts a payload from the
corpus into every one of them at once, builds the real site in-process with MkDocs (pages,
search index, kalender.ics, SVG diagrams) and a PDF, and asserts:

- no output has a script, event handler, style, frame or link/image with a refused scheme
  or from another host that came from the data (tests/inert_scan.py parses each format);
- Jinja/macros syntax in data is never evaluated;
- nothing opened the canary file outside the repository or contacted the canary server;
- in headless Chromium, no dialog fires and no request leaves 127.0.0.1 on the pages.

The check would refuse many of these payloads; the build here runs with the check's
errors ignored, because the renderer must be inert on its own (defence in depth).
`RUTINEBOK_INERT_EXAMPLES=30 pytest tests/test_inert_property.py` runs a longer search.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import socketserver
import sys
import tempfile
import threading
import typing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from rutinebok import kinds
from rutinebok.findings import Report
from rutinebok.load import data_files, load_dataset, read_yaml

from .conftest import ROOT, TODAY
from .inert_scan import MARK, scan_site

# --------------------------------------------------------------------------- canaries


class _CanaryHandler(http.server.BaseHTTPRequestHandler):
    hits: typing.ClassVar[list[str]] = []

    def do_GET(self):
        _CanaryHandler.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"\x89PNG\r\n\x1a\n")

    def log_message(self, *args):
        pass


_CANARY_DIR = Path(tempfile.mkdtemp(prefix="rutinebok-canary-"))
CANARY_FILE = _CANARY_DIR / "canary-secret.png"
CANARY_FILE.write_bytes(b"\x89PNG\r\n\x1a\nCANARY-SECRET-7f3a")
_opened: list[str] = []
_armed = [False]


def _audit(event: str, args: tuple) -> None:
    # Every open() in this process while a build runs: the canary must never be among them.
    if _armed[0] and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        if "canary-secret" in path:
            _opened.append(path)


sys.addaudithook(_audit)


@pytest.fixture(scope="module")
def canary_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _CanaryHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------- payloads

CORPUS = [
    "<script>alert('PWN')</script>",
    "<img src=x onerror=alert('PWN')>",
    "<svg/onload=alert('PWN')>",
    "\"><img src=x onerror=alert('PWN')>",
    "' onmouseover='alert(1)' x='PWN",
    "[PWN]( javascript:alert(1))",
    "[PWN](\njavascript:alert(1))",
    "[PWN](&#106;avascript&#58;alert(1))",
    "[PWN](java\tscript:alert(1))",
    "[PWN][r]\n\n[r]: javascript:alert(1)",
    "[PWN](<javascript:alert(1)>)",
    "<javascript:alert('PWN')>",
    "![PWN](http://127.0.0.1:{port}/pwn.png)",
    "![PWN](file://{canary})",
    "![PWN]({canary})",
    "![PWN](bilder/../../../../{canary})",
    "![PWN][i]\n\n[i]: http://127.0.0.1:{port}/ref.png",
    "[PWN](data:text/html,<script>alert(1)</script>)",
    "PWN{: onclick=\"alert(1)\" }",
    "PWN {{ 'JINJA' ~ 'EVAL' }} {% if true %}{{ 'JINJA' ~ 'EVAL' }}{% endif %}",
    "{{ config.site_name }}PWN{# c #}",
    "</script><script>alert('PWN')</script>",
    "</title><script>alert('PWN')</script>",
    "PWN\r\nATTACH:http://127.0.0.1:{port}/ics\r\nX-A:",
    "PWN\u202eevil\u2066x\u2069",
    "PWN\x00nul\x1b[2J\x9b",
    "<<TABLE HREF=\"javascript:alert(1)\"><TR><TD>PWN</TD></TR></TABLE>>",
    "<<B>PWN</I>>",
    "<style>body{background:url(http://127.0.0.1:{port}/css)}</style>PWN",
    "<a href=\"javascript:alert('PWN')\">x</a>",
    "<iframe src=\"http://127.0.0.1:{port}/frame\"></iframe>PWN",
    "!!! danger \"PWN\"\n    <script>alert(1)</script>",
    "*[PWN]: <img src=x onerror=alert(1)>",
    "<!-- PWN --><script>alert(1)</script>",
    "\\<script>alert('PWN')</script>",
    "&lt;script&gt;alert('PWN')&lt;/script&gt;",
    "PWN `<script>alert(1)</script>` ```x```",
    "[PWN](https://ok.example/\"onmouseover=\"alert(1))",
    "<details open ontoggle=alert('PWN')>",
    "PWN | <img src=x onerror=alert(1)> |\n|---|",
    "PWN\n\n# <img src=x onerror=alert(1)>\n\n- [x](vbscript:msgbox(1))",
]


# --------------------------------------------------------------------------- fields from the models


def _unwrap(annotation):
    """(base type, [metadata], is_list_depth)."""
    meta, depth = [], 0
    while True:
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            meta += list(args[1:])
            annotation = args[0]
        elif origin in (typing.Union,) or str(origin) == "<class 'types.UnionType'>":
            annotation = next(a for a in args if a is not type(None))
        elif origin is list:
            depth += 1
            annotation = args[0]
        else:
            return annotation, meta, depth


def _free_text(info, meta) -> bool:
    from pydantic.fields import FieldInfo

    flat = []
    for m in list(info.metadata) + meta:
        flat += m.metadata if isinstance(m, FieldInfo) else [m]
    patterns = [getattr(m, "pattern", None) for m in flat]
    return all(p in (None, r"\S") for p in patterns)


def string_fields(cls: type[BaseModel]):
    """(field name, kind) for every free-text string field of a model, and its sub-models."""
    for name, info in cls.model_fields.items():
        base, meta, depth = _unwrap(info.annotation)
        if isinstance(base, type) and issubclass(base, BaseModel):
            yield name, ("model", base, depth)
        elif base is str and _free_text(info, meta):
            yield name, ("str", None, depth)


def discover_slots(data_dir: Path) -> tuple[list[tuple], set[tuple[str, str]]]:
    """One slot (file, path, depth) per (model, field) that occurs in the data."""
    found: dict[tuple[str, str], tuple] = {}
    wanted: set[tuple[str, str]] = set()

    def walk(cls, data, path, rel):
        for name, (kind, sub, depth) in string_fields(cls):
            key = (cls.__name__, name)
            value = data.get(name)
            if kind == "model":
                items = value if isinstance(value, list) else [value]
                for i, item in enumerate(items):
                    if isinstance(item, dict):
                        walk(sub, item, path + ((name, i) if isinstance(value, list) else (name,)), rel)
                continue
            wanted.add(key)
            present = value is not None and (depth == 0 or value)
            if key not in found or (present and not found[key][3]):
                found[key] = (rel, path + (name,), depth, present, cls)

    for path in data_files(data_dir):
        rel = path.relative_to(data_dir).as_posix()
        folder = rel.split("/")[0]
        kind = kinds.by_folder(folder) or kinds.by_file(rel)
        if kind is not None:
            walk(kind.model, read_yaml(path, rel).data, (), rel)
    return sorted(v[:4] for v in found.values()), wanted


def _set(data, path, depth, value):
    target = data
    for part in path[:-1]:
        target = target[part]
    if depth == 0:
        target[path[-1]] = value
    elif depth == 1:
        target[path[-1]] = [value] + list(target.get(path[-1]) or [])[1:]
    else:  # table rows: the first cell
        rows = target[path[-1]]
        rows[0] = [value] + rows[0][1:]


SLOTS, WANTED = discover_slots(ROOT / "data")


def test_the_property_reaches_every_string_field_of_the_models():
    covered = {(s[0], s[1]) for s in SLOTS}
    assert len(SLOTS) >= 80, len(SLOTS)
    # Every free-text field of every model kind that data/ uses has a slot.
    assert len(covered) == len(SLOTS) and len(WANTED) == len(SLOTS), sorted(WANTED)


# --------------------------------------------------------------------------- one build


def _write_data(dest: Path, assignment: list[str]) -> None:
    import shutil

    shutil.copytree(ROOT / "data", dest)
    files: dict[str, dict] = {}
    for (rel, path, depth, _present), payload in zip(SLOTS, assignment):
        data = files.setdefault(rel, read_yaml(dest / rel, rel).data)
        _set(data, path, depth, payload)
    for rel, data in files.items():
        (dest / rel).write_text(json.dumps(data, ensure_ascii=True, default=str, indent=1), "utf-8")


def _config(tmp: Path) -> Path:
    """mkdocs.yml with absolute paths and PDFs off (one PDF is rendered separately)."""
    text = (ROOT / "mkdocs.yml").read_text("utf-8")
    text = text.replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}")
    text = text.replace("custom_dir: overrides", f"custom_dir: {ROOT / 'overrides'}")
    text = text.replace("  - rutinebok/mkdocs_hook.py", f"  - {ROOT / 'rutinebok' / 'mkdocs_hook.py'}")
    text = text.replace("module_name: macros/main", f"module_name: {ROOT / 'macros' / 'main'}")
    text = text.replace("    data: data\n", "    data: data\n    pdf: false\n")
    path = tmp / "mkdocs.yml"
    path.write_text(text, "utf-8")
    return path


class _NoErrors(Report):
    """The build with the check's verdict ignored: only the renderer stands between the
    data and the reader here."""

    @property
    def errors(self):
        return []


def build_everything(tmp: Path, data: Path, monkeypatch) -> Path:
    import mkdocs.commands.build
    from mkdocs.config import load_config

    import rutinebok.checks
    import rutinebok.findings
    from rutinebok.pdf import PrintContext, render_pdf

    monkeypatch.setattr(rutinebok.checks, "run_checks", lambda ds, today: [])
    monkeypatch.setattr(rutinebok.findings, "Report", _NoErrors)
    monkeypatch.setenv("RUTINEBOK_DATA", str(data))
    monkeypatch.setenv("RUTINEBOK_TODAY", TODAY.isoformat())
    monkeypatch.setenv("RUTINEBOK_SITE_URL", "https://rutiner.example.no/")  # a publication build
    monkeypatch.chdir(tmp)
    site = tmp / "site"
    config = load_config(str(_config(tmp)), site_dir=str(site), strict=False)
    mkdocs.commands.build.build(config)
    ds = load_dataset(data, Report())
    renderer = PrintContext(ds, TODAY, [])
    (site / "pdf").mkdir(exist_ok=True)
    for rid in ("moss-krisesenter-nav",):
        if rid in ds.routines:
            (site / "pdf" / f"{rid}.pdf").write_bytes(render_pdf(ds, renderer, rid, "http://127.0.0.1:8000/"))
    return site


def _pages_to_visit(site: Path, limit: int = 5) -> list[str]:
    pages = ["rutiner/moss-krisesenter-nav/", "veivisere/hvilket-nav-kontor/", "kontakter/", "frister/",
             "ordliste/", "organisasjoner/nav-moss/", "roller/nav-leder/"]
    return [p for p in pages if (site / p / "index.html").exists()][:limit]


def browse(browser, site: Path, pages: list[str]) -> tuple[list[str], list[str]]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a: None
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}/"
    dialogs: list[str] = []
    outside: list[str] = []
    try:
        context = browser.new_context()

        def route(r):
            if r.request.url.startswith(origin) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in pages:
            page.goto(origin + path)
            page.wait_for_load_state("load")
            # Hover and focus what carries data: handlers that need a user would fire here.
            for el in page.locator("article a:visible, article img:visible").all()[:12]:
                with contextlib.suppress(Exception):  # hidden or detached: nothing to hover
                    el.hover(timeout=200)
            dialogs += [] if page.evaluate("window.__pwned === undefined") else ["__pwned"]
        context.close()
    finally:
        server.shutdown()
        server.server_close()
    return dialogs, outside


EXAMPLES = int(os.environ.get("RUTINEBOK_INERT_EXAMPLES", "1"))


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(choice=st.lists(st.sampled_from(range(len(CORPUS))), min_size=len(SLOTS), max_size=len(SLOTS)),
       prefix=st.sampled_from(["", " ", "Tekst før: ", "- ", "# ", "1. "]))
@example(choice=list(range(len(SLOTS))), prefix="")  # every payload, rotated over the fields
def test_no_payload_in_any_field_is_live_in_any_output(choice, prefix, browser, canary_server, monkeypatch):
    assignment = [prefix + CORPUS[i % len(CORPUS)].replace("{port}", str(canary_server)).replace("{canary}", str(CANARY_FILE))
                  for i in choice]
    with tempfile.TemporaryDirectory(prefix="rutinebok-inert-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        _write_data(data, assignment)
        hits_before = len(_CanaryHandler.hits)
        _opened.clear()
        _armed[0] = True
        try:
            with monkeypatch.context() as mp:
                site = build_everything(tmp, data, mp)
        finally:
            _armed[0] = False
        problems = scan_site(site)
        assert problems == [], "\n".join(problems[:30])
        shown = 0
        for path in site.rglob("*"):
            if path.is_file() and path.suffix in (".html", ".json", ".ics", ".svg", ".xml"):
                text = path.read_text("utf-8", errors="replace")
                assert "JINJAEVAL" not in text, f"Jinja in data was evaluated: {path}"
                assert "CANARY-SECRET" not in text
                shown += text.count(MARK)
        assert shown > 100  # the payloads are there, as text
        assert _opened == [], f"the build opened a file outside the repository: {_opened}"
        assert _CanaryHandler.hits[hits_before:] == [], "the build contacted the canary server"
        dialogs, outside = browse(browser, site, _pages_to_visit(site))
        assert dialogs == [], dialogs
        assert outside == [], f"the pages asked for {outside[:5]}"
        assert _CanaryHandler.hits[hits_before:] == []

