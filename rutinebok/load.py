"""Loading: data/*.yml -> validated model objects, knowing where every value came from.

Two readers, one result. The fast one is PyYAML's LibYAML parser with a strict constructor
(YAML 1.2 scalars, so «no» stays text; no tags, no anchors/aliases, no duplicate keys): it
loads valid data at C speed. Positions come from ruamel.yaml, which keeps line and column
for every node; it composes a file only when something in that file needs reporting (a
YAML or schema error, or a check finding), so valid data pays nothing for positions. When
the fast reader refuses a file, the ruamel reader runs and says exactly where and why.
"""

from __future__ import annotations

import gc
import os
import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import Resolver

from . import kinds, safefiles
from .escape import BIDI_CHARS, CONTROL_CHARS
from .findings import Finding, Report, did_you_mean, format_path
from .model import Entity
from .words import ascii_id, duration_suggestions, join_words

MAX_FILE_BYTES = 1024 * 1024  # a routine is a few kB; 1 MiB is far beyond any real file
# Deepest nesting a data file may have, counted before any parser runs: real routines nest
# about 12 levels; the parsers recurse per level (and libyaml's composer can crash the
# process on tens of thousands of levels), so the limit is checked on the text first.
MAX_DEPTH = 64

_T = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_T + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_yaml = YAML(typ="safe", pure=False)
# The YAML 1.2 core-schema resolver without per-scalar version bookkeeping: ruamel's default
# VersionedResolver spent 3/4 of the loading time looking up the YAML version per value.
class _Resolver(Resolver):
    processing_version = (1, 2)  # asked by ruamel's Python scanner (_yaml_pure), not by the C one

    def __init__(self, version=None, loadumper=None, loader=None):  # loader: the Python composer's name
        super().__init__(loadumper=loadumper if loadumper is not None else loader)


_yaml.Resolver = _Resolver
# ruamel's C scanner (ruamel.yaml.clib) refuses a colon inside a plain scalar in a flow collection,
# as in a list of addresses: `[https://lovdata.no/...]`. YAML 1.2 allows it, and so do LibYAML
# (the fast reader) and ruamel's own Python scanner, which _compose falls back to.
_yaml_pure = YAML(typ="safe", pure=True)
_yaml_pure.Resolver = _Resolver


class DataError(Exception):
    """Raised with the findings for one file that could not be loaded."""

    def __init__(self, findings: list[Finding]):
        super().__init__("\n".join(f.format() for f in findings))
        self.findings = findings


@dataclass
class SourceFile:
    """One YAML file: its path (as shown to people), its text, its plain data, and (composed
    on first use) its ruamel node tree with positions."""

    rel: str
    root: Node | None
    data: Any
    text: str = ""

    def position(self, path: tuple = (), key: bool = False) -> tuple[int, int]:
        """1-based (line, column) of the value at `path` (or of its key when `key`).

        Walks as far as the path exists, so a missing field points at its parent.
        """
        if self.root is None and self.text:
            try:
                self.root = _compose(self.rel, self.text)
            except DataError:  # ruamel refuses what LibYAML loaded: LibYAML's own nodes, same shape
                self.root = _fast_compose(self.text)
        node = self.root
        if node is None:
            return (1, 1)
        mark = node.start_mark
        for part in path:
            if node.id == "mapping" and isinstance(part, str):
                for k, v in node.value:
                    if k.value == part:
                        mark = k.start_mark if key and part is path[-1] else v.start_mark
                        node = v
                        break
                else:
                    break
            elif node.id == "sequence" and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                mark = node.start_mark
            else:
                break
        return (mark.line + 1, mark.column + 1)

    def finding(self, code: str, severity: str, path: tuple, message: str, hint: str = "",
                key: bool = False) -> Finding:
        line, col = self.position(path, key=key)
        return Finding(code, severity, message, self.rel, line, col, format_path(path), hint)


# --------------------------------------------------------------------------- YAML -> Python


def _fail(rel: str, code: str, message: str, line: int = 0, col: int = 0, path: str = "",
          hint: str = "") -> typing.NoReturn:
    raise DataError([Finding(code, "error", message, rel, line, col, path, hint)])


def _scalar(rel: str, node: ScalarNode, tag: str, path: tuple) -> Any:
    if tag not in _SCALAR_TAGS:
        _fail(rel, "RB003", f"YAML-taggen «{tag.replace(_T, '!!')}» er ikke tillatt; "
              "data kan bare inneholde tekst, tall, datoer, lister og tabeller",
              node.start_mark.line + 1, node.start_mark.column + 1, format_path(path))
    value = node.value
    if tag == _T + "str" or tag == _T + "timestamp":
        return value  # dates are parsed (and checked) by the model
    try:
        if tag == _T + "int":
            return int(value, 0) if value[:2].lower() in ("0x", "0o") else int(value)
        if tag == _T + "float":
            return float(value.lower().replace(".inf", "inf").replace(".nan", "nan"))
    except ValueError:
        return value  # e.g. 0b101, 1__0 or 5,000 digits: text, as the fast reader keeps it
    if tag == _T + "bool":
        return value.lower() == "true"
    return None


def _construct(rel: str, node: Node, path: tuple, seen: set[int]) -> Any:
    # Anchors/aliases make one node appear twice; refusing the second sighting stops
    # alias bombs (billion laughs) before any expansion happens.
    if id(node) in seen:
        _fail(rel, "RB003", "ankere og alias (& og *) er ikke tillatt: denne verdien gjentar ankeret "
              "som står på posisjonen her; skriv verdien ut",
              node.start_mark.line + 1, node.start_mark.column + 1, format_path(path))
    seen.add(id(node))
    ctag = node.ctag  # resolved tags have no handle: read the suffix, skip Tag.__str__
    tag = ctag.suffix if ctag.handle is None else str(ctag)
    if isinstance(node, ScalarNode):
        return _scalar(rel, node, tag, path)
    if isinstance(node, SequenceNode):
        if tag != _T + "seq":
            _fail(rel, "RB003", f"YAML-taggen «{tag.replace(_T, '!!')}» er ikke tillatt",
                  node.start_mark.line + 1, node.start_mark.column + 1, format_path(path))
        return [_construct(rel, item, path + (i,), seen) for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        if tag != _T + "map":
            _fail(rel, "RB003", f"YAML-taggen «{tag.replace(_T, '!!')}» er ikke tillatt",
                  node.start_mark.line + 1, node.start_mark.column + 1, format_path(path))
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, ScalarNode) or knode.tag == _T + "merge" or (
                    knode.value == "<<" and knode.style is None):
                _fail(rel, "RB003", "nøkler må være vanlig tekst (flettenøkkel << og sammensatte nøkler er ikke tillatt)",
                      knode.start_mark.line + 1, knode.start_mark.column + 1, format_path(path))
            key = knode.value
            if key in out:
                _fail(rel, "RB002", f"nøkkelen «{key}» står to ganger i samme tabell (først på linje {first_line[key]})",
                      knode.start_mark.line + 1, knode.start_mark.column + 1, format_path(path + (key,)),
                      "slett eller slå sammen den ene")
            first_line[key] = knode.start_mark.line + 1
            out[key] = _construct(rel, vnode, path + (key,), seen)
        return out
    _fail(rel, "RB003", "ukjent YAML-node")


# Parser messages people meet, in plain Norwegian; (problem fragment, message, use the
# context mark: where the unclosed thing began, rather than where the parser gave up).
_YAML_WORDS = [
    ("expected ',' or ']'", "en liste som begynner med [ er ikke lukket med ]", True),
    ("expected ',' or '}'", "en tabell som begynner med { er ikke lukket med }", True),
    ("while scanning a quoted scalar", "et anførselstegn er ikke lukket", True),
    ("found unexpected end of stream", "filen slutter midt i en verdi (mangler et avsluttende anførselstegn?)", True),
    ("found unknown escape character", ("ukjent tegn etter \\ i tekst med doble anførselstegn; "
     "bruk enkle anførselstegn, eller skriv \\\\"), False),
    ("mapping values are not allowed", "et kolon (:) står der det ikke er lov; sett teksten i anførselstegn", False),
    ("did not find expected key", "feil innrykk, eller en linje som ikke er «nøkkel: verdi»", False),
    ("expected <block end>", "feil innrykk: linjen passer ikke inn under linjene over", False),
    ("did not find expected '-' indicator", "feil innrykk i en liste", False),
    ("cannot start any token", "et tegn som ikke kan starte en verdi (f.eks. @ eller `); sett teksten i anførselstegn", False),
    ("could not find expected ':'", "mangler kolon etter en nøkkel", False),
    ("while scanning a simple key", "mangler kolon etter en nøkkel", False),
    ("expected a comment or a line break", ("noe står etter verdien på samme linje (f.eks. tekst etter et "
     "avsluttende anførselstegn)"), False),
    ("while scanning an alias", "* kan ikke starte en verdi; sett teksten i anførselstegn", False),
    ("while scanning an anchor", "& kan ikke starte en verdi; sett teksten i anførselstegn", False),
    ("found undefined alias", "ankere og alias (& og *) er ikke tillatt; sett teksten i anførselstegn", False),
    ("while scanning a block scalar", "feil i en blokktekst (| eller >): sjekk innrykket under den", False),
    ("while scanning a directive", "en linje som begynner med % er ikke tillatt her", False),
    ("while scanning a tag", "! kan ikke starte en verdi; sett teksten i anførselstegn", False),
]
_KEY_LINE = re.compile(r"^( +)([A-Za-z_][A-Za-z0-9_-]*):(?: |$)")


def _misindented_key(text: str, line: int) -> str | None:
    """The key on 0-based `line` when that line is a «key: value» indented deeper than the line
    above it: the usual cause of «mapping values are not allowed» after a plain value."""
    lines = text.splitlines()
    if line >= len(lines):
        return None
    m = _KEY_LINE.match(lines[line])
    above = next((x for x in reversed(lines[:line]) if x.strip() and not x.lstrip().startswith("#")), None)
    if m is None or above is None:
        return None
    return m.group(2) if len(m.group(1)) > len(above) - len(above.lstrip(" ")) else None


def _yaml_problem(exc: MarkedYAMLError, text: str = ""):
    """(message, mark) for a YAML syntax error, all in Norwegian."""
    problem = " ".join(((exc.problem or "") + " " + (exc.context or "")).split())
    if "mapping values are not allowed" in problem and exc.problem_mark is not None:
        key = _misindented_key(text, exc.problem_mark.line)
        if key:
            return ((f"YAML-syntaksfeil: feil innrykk: «{key}:» står lenger inn enn linjen over; "
                    "nøkler på samme nivå skal stå rett under hverandre"), exc.problem_mark)
    for fragment, words, use_context in _YAML_WORDS:
        if fragment in problem:
            mark = (exc.context_mark if use_context else None) or exc.problem_mark or exc.context_mark
            return f"YAML-syntaksfeil: {words}", mark
    return (("YAML-syntaksfeil: filen kan ikke leses som YAML her; sjekk innrykk, kolon og anførselstegn "
            "på linjen"), exc.problem_mark or exc.context_mark)


class _Refused(Exception):
    """The fast reader will not take this file; the positioned reader says why."""


class _Resolver12(yaml.resolver.BaseResolver):
    """YAML 1.2 core schema: only true/false are booleans; dates stay text for the model."""

    yaml_implicit_resolvers: typing.ClassVar[dict] = {}


for _tag, _regexp, _first in [
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+.0123456789")),
]:
    _Resolver12.add_implicit_resolver(_T + _tag, __import__("re").compile(_regexp), _first)


class _StrictConstructor(yaml.constructor.SafeConstructor):
    yaml_constructors: typing.ClassVar[dict] = {}

    def construct_object(self, node, deep=False):
        if node in self.constructed_objects:
            raise _Refused("alias")  # an alias: refuse before anything is expanded
        return super().construct_object(node, deep)

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value) or "<<" in mapping or not all(isinstance(k, str) for k in mapping):
            raise _Refused("duplicate key or merge key")
        return mapping

    def _refuse(self, node):
        raise _Refused(node.tag)

    def _int(self, node):
        value = node.value
        return int(value, 0) if value[:2] in ("0x", "0o") else int(value)

    def _float(self, node):
        return float(node.value.lower().replace(".inf", "inf").replace(".nan", "nan"))


_StrictConstructor.add_constructor(_T + "null", lambda self, node: None)
_StrictConstructor.add_constructor(_T + "bool", lambda self, node: node.value.lower() == "true")
_StrictConstructor.add_constructor(_T + "int", _StrictConstructor._int)
_StrictConstructor.add_constructor(_T + "float", _StrictConstructor._float)
_StrictConstructor.add_constructor(_T + "str", yaml.constructor.SafeConstructor.construct_yaml_str)
_StrictConstructor.add_constructor(_T + "seq", yaml.constructor.SafeConstructor.construct_yaml_seq)
_StrictConstructor.add_constructor(_T + "map", yaml.constructor.SafeConstructor.construct_yaml_map)
_StrictConstructor.add_constructor(None, _StrictConstructor._refuse)

try:
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML without LibYAML: same rules, slower
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


class _FastLoader(_Parser, _StrictConstructor, _Resolver12):
    def __init__(self, stream):
        _Parser.__init__(self, stream)
        _StrictConstructor.__init__(self)
        _Resolver12.__init__(self)


def _fast_load(text: str) -> Any:
    loader = _FastLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _fast_compose(text: str):
    """The fast reader's (LibYAML's) node tree of a file it loaded: nodes with the same id,
    value and start_mark as ruamel's."""
    loader = _FastLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _compose(rel: str, text: str) -> Node | None:
    """The ruamel node tree of one document, with positioned errors for bad YAML."""
    try:
        try:
            docs = list(_yaml.compose_all(text))
        except MarkedYAMLError as c_error:
            try:  # what only the C scanner refuses (see _yaml_pure); else the C scanner's words
                docs = list(_yaml_pure.compose_all(text))
            except YAMLError:
                raise c_error from None
    except MarkedYAMLError as exc:
        message, mark = _yaml_problem(exc, text)
        _fail(rel, "RB001", message, (mark.line + 1) if mark else 0, (mark.column + 1) if mark else 0)
    except ReaderError as exc:  # a control character or similar, at a character position
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        _fail(rel, "RB053", f"tegnet U+{exc.character if isinstance(exc.character, int) else ord(exc.character):04X} er ikke tillatt i en datafil", line, col,
              hint="fjern tegnet (ofte et usynlig kontrolltegn fra kopiering)")
    except YAMLError:
        _fail(rel, "RB001", "YAML-syntaksfeil: filen kan ikke leses som YAML",
              hint="sjekk innrykk, kolon og anførselstegn")
    docs = [d for d in docs if d is not None]
    if not docs:
        _fail(rel, "RB005", "filen er tom", hint="en datafil må ha minst id og de påkrevde feltene")
    if len(docs) > 1:
        mark = docs[1].start_mark
        _fail(rel, "RB001", "filen har flere YAML-dokumenter (---); én fil skal ha ett dokument",
              mark.line + 1, mark.column + 1)
    return docs[0]


_BRACKET = re.compile(r"[\[\]{}]")


def _may_be_deep(text: str, limit: int) -> bool:
    """A quick upper bound (substring searches and one C-speed regex): False when the text
    cannot nest past `limit`, so ordinary files skip the character-by-character count."""
    half = limit // 2
    if text.count("[") + text.count("{") > half:
        depth = deepest = 0
        for ch in _BRACKET.findall(text):  # brackets anywhere, even quoted: an overestimate
            depth = depth + 1 if ch in "[{" else max(0, depth - 1)
            deepest = max(deepest, depth)
        if deepest > half:
            return True
    if "\n" + " " * (2 * (half // 2)) in text:
        return True
    return ("- -" in text or "? " in text) and bool(re.search(rf"^ *(?:[-?] +){{{half // 2},}}", text, re.MULTILINE))


def _line_start_depth(text: str, i: int, depth: int, limit: int) -> int | None:
    """At the start of a line (index i): the index where block indentation and compact «- »
    entries take the nesting past `limit`, or None."""
    n = len(text)
    j = i
    while j < n and text[j] == " ":
        j += 1
    block = (j - i) // 2
    while j + 1 < n and text[j] in "-?" and text[j + 1] == " ":
        block += 1
        if block + depth > limit:
            return j
        j += 2
        while j < n and text[j] == " ":
            j += 1
    return j if block + depth > limit else None


def _in_quote(text: str, i: int, quote: str) -> tuple[int, str]:
    """Inside a quoted scalar at index i: (last index consumed, the quote if still open)."""
    ch = text[i]
    if ch == quote:
        if quote == "'" and i + 1 < len(text) and text[i + 1] == "'":
            return i + 1, quote  # '' is a quote inside single quotes
        return i, ""
    if ch == "\\" and quote == '"':
        return i + 1, quote
    return i, quote


def nesting_depth(text: str, limit: int = MAX_DEPTH) -> tuple[int, int] | None:
    """(line, column) where `text` nests deeper than `limit`, or None. Counted without parsing
    and erring on the deep side: brackets [ { opened and not closed (outside quotes and
    comments), plus block indentation and compact «- - -» entries."""
    if not _may_be_deep(text, limit):
        return None
    depth = 0
    line = 1
    line_start = 0
    quote = ""
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        ch = text[i]
        if at_line_start:
            over = _line_start_depth(text, i, depth, limit)
            if over is not None:
                return line, over - line_start + 1
            at_line_start = False
        if quote:
            i, quote = _in_quote(text, i, quote)
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return line, i - line_start + 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch in "\"'" and (i == 0 or text[i - 1] in " \t[{,:-\n"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t\n"):
            while i < n and text[i] != "\n":
                i += 1
            continue
        if ch == "\n":
            line += 1
            line_start = i + 1
            at_line_start = True
        i += 1
    return None


def read_yaml(path: Path, rel: str, parsed=None) -> SourceFile:
    """Read one file safely. Raises DataError with a positioned finding on any problem.
    `parsed` (a rutinebok.buildcache.Table): the plain data of files read by earlier builds, by
    their text; a file read before is not parsed again (its data is JSON: text, numbers,
    true/false, null, lists and tables; dates stay text)."""
    try:
        raw = safefiles.read_bytes(path, MAX_FILE_BYTES)
    except safefiles.UnsafeFile as exc:
        _fail(rel, "RB052", f"filen {exc}; bare vanlige filer i repoet leses",
              hint="legg inn selve filen i data/, ikke en lenke")
    except ValueError as exc:
        size = exc.args[0]
        _fail(rel, "RB006", f"filen er {size / 1_048_576:.1f} MiB; en datafil kan være høyst "
              f"{MAX_FILE_BYTES // 1_048_576} MiB", hint="del den opp, eller sjekk at det er riktig fil")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        # Columns count characters, as in every other finding, not bytes.
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        _fail(rel, "RB004", f"filen er ikke UTF-8 (byte 0x{raw[exc.start]:02x})", line, col,
              hint="lagre filen som UTF-8 i redigeringsprogrammet")
    text = text.removeprefix("\ufeff")
    deep = nesting_depth(text)
    if deep:
        _fail(rel, "RB055", f"verdiene er nøstet mer enn {MAX_DEPTH} nivåer inn i hverandre; "
              "det er ikke en datafil", *deep, hint="sjekk klammeparentesene [ ] og { } og innrykket")
    k = None
    if parsed is not None:
        from .buildcache import key

        k = key("yaml", text)
        data = parsed.get(k)
        if isinstance(data, dict):
            return SourceFile(rel, None, data, text)
    try:
        data = _fast_load(text)
        if isinstance(data, dict):
            if k is not None:  # the reader makes only what JSON gives back exactly (_StrictConstructor)
                parsed.put(k, data)
            return SourceFile(rel, None, data, text)
    except (yaml.YAMLError, _Refused, ValueError, TypeError, RecursionError):
        pass  # the positioned reader below finds and explains the problem
    try:
        root = _compose(rel, text)
        data = _construct(rel, root, (), set())
    except RecursionError:
        _fail(rel, "RB055", "verdiene er nøstet for dypt inn i hverandre til å være en datafil")
    except DataError as err:
        tab = _indent_tab(text) if err.findings[0].code == "RB001" else None
        if tab:  # libyaml's words for a tab in the indentation are confusing: say it plainly
            _fail(rel, "RB001", "tabulator i innrykk; YAML krever mellomrom", *tab,
                  hint="bytt tabulatoren med mellomrom")
        raise
    if not isinstance(data, dict):
        _fail(rel, "RB058", "filen må være en tabell med nøkler øverst (id: ..., name: ...)",
              root.start_mark.line + 1, root.start_mark.column + 1)
    return SourceFile(rel, root, data, text)


def _indent_tab(text: str) -> tuple[int, int] | None:
    """(line, column) of the first tab in a line's indentation, if any."""
    for n, line_text in enumerate(text.splitlines(), 1):
        stripped = line_text.lstrip(" ")
        if stripped.startswith("\t"):
            return n, len(line_text) - len(stripped) + 1
    return None


# --------------------------------------------------------------------------- validation


_TYPE_WORDS = {str: "tekst", int: "heltall", float: "tall", bool: "true/false", list: "liste",
               dict: "tabell", type(None): "tom verdi"}


def _kind_of(value: Any) -> str:
    return _TYPE_WORDS.get(type(value), type(value).__name__)


def _model_at(cls: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the last element of `loc` (for listing valid keys)."""
    current: Any = cls
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(part)
        if info is None:
            return None
        current = _unwrap(info.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    while True:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated or args and (origin in (list, typing.Union) or str(origin) == "<class 'types.UnionType'>"):
            annotation = args[0]
        else:
            return annotation


_PATTERN_WORDS = {
    "phone": "ugyldig telefonnummer (skriv f.eks. «69 25 40 40», «+47 69 25 40 40» eller «116 006»)",
    "email": "ugyldig e-postadresse",
    "web": "ugyldig nettadresse (den må begynne med https:// eller http://, og kan ikke ha mellomrom, < > \" eller '",
    "url": "ugyldig nettadresse (den må begynne med https:// eller http://, og kan ikke ha mellomrom, < > \" eller '",
    "file": "ugyldig filsti (skriv en sti i repoet, f.eks. sources/001_rutine.txt, uten .. og uten / først)",
    "signed_copy": "ugyldig filsti (skriv en sti i repoet, f.eks. signed/rutine-id/rutine-id.pdf)",
    "official_id": "ugyldig Lovdata-id (skriv f.eks. LOV-2009-06-19-44)",
    "id": "ugyldig id: bruk små bokstaver a–z, sifre og bindestrek",
}


def _literal_message(err: dict, value: Any) -> tuple[str, str, str]:
    expected = err.get("ctx", {}).get("expected", "")
    options = [o.strip(" '") for o in expected.replace(" or ", ", ").split(",")]
    choices = join_words([f"«{o}»" for o in options], "eller")
    durations = duration_suggestions(str(value))
    if durations:  # «deadline: 2 uker»: a duration in words where the model reads a fixed word
        return ("RB009", f"«{value}» er ikke en frist dataene forstår",
                "skriv varigheten som " + join_words(durations, "eller") + f", eller en av {choices}")
    return "RB009", f"«{value}» er ikke en gyldig verdi", did_you_mean(str(value), options) or f"velg {choices}"


def _pattern_message(err: dict, last: Any, value: Any) -> tuple[str, str, str]:
    if err.get("ctx", {}).get("pattern") == r"\S":
        return "RB009", "teksten kan ikke være tom eller bare mellomrom", ""
    field_name = str(last) if isinstance(last, str) else "id"
    text = _PATTERN_WORDS.get(field_name)
    if text is None or field_name == "id":
        text = _PATTERN_WORDS["id"] if field_name == "id" else "ugyldig verdi: " + _PATTERN_WORDS["id"]
        suggested = "/".join(ascii_id(part) for part in str(value).split("/"))
        hint = f"mente du «{suggested}»?" if suggested and suggested != value else ""
        return "RB009", f"{text}: «{value}»", hint
    return "RB009", f"{text}: «{value}»", ""


def _message(cls: type[BaseModel], err: dict) -> tuple[str, str, str]:
    """(code, message, hint) in Norwegian for one pydantic error."""
    etype, loc, value = err["type"], err["loc"], err.get("input")
    last = loc[-1] if loc else ""
    if etype == "missing":
        return "RB008", f"mangler påkrevd felt «{last}»", ""
    if etype == "extra_forbidden":
        model = _model_at(cls, loc)
        keys = list(model.model_fields) if model else []
        hint = did_you_mean(str(last), keys) or (("gyldige nøkler: " + ", ".join(keys)) if keys else "")
        return "RB007", f"ukjent nøkkel «{last}»", hint
    if etype in ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"):
        return "RB009", f"ugyldig dato «{value}»", "skriv ÅÅÅÅ-MM-DD, og datoen må finnes i kalenderen"
    if etype == "literal_error":
        return _literal_message(err, value)
    if etype == "string_pattern_mismatch":
        return _pattern_message(err, last, value)
    if etype in ("string_type", "int_type", "int_parsing", "float_type", "bool_type", "bool_parsing",
                 "list_type", "dict_type", "model_type", "model_attributes_type", "int_from_float"):
        wanted = {"string": "tekst", "int": "et heltall", "float": "et tall", "bool": "true eller false",
                  "list": "en liste", "dict": "en tabell med nøkler", "model": "en tabell med nøkler"}
        want = next((w for k, w in wanted.items() if etype.startswith(k)), "en annen type")
        shown = f" «{value}»" if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
        return "RB009", f"forventet {want}, men fikk {_kind_of(value)}{shown}", ""
    if etype == "too_short":
        return "RB009", "kan ikke være tom", ""
    if etype == "string_too_short":
        return "RB009", "teksten kan ikke være tom", ""
    if etype in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "RB009", f"verdien {value} er utenfor det tillatte: {err['msg']}", ""
    if etype == "value_error":
        msg = err["msg"].removeprefix("Value error, ")
        return "RB009", msg, ""
    return "RB009", err["msg"], ""


def validate(source: SourceFile, cls: type[Entity]) -> Entity:
    """Validate a file's data against its model; raises DataError with positioned findings."""
    try:
        entity = cls.model_validate(source.data)
    except ValidationError as exc:
        findings = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            # A model_validator on a Block ("exactly one key") reports at the block itself.
            code, message, hint = _message(cls, err)
            findings.append(source.finding(code, "error", loc, message, hint,
                                           key=err["type"] == "extra_forbidden"))
        raise DataError(findings) from None
    entity._file = source.rel
    return entity


# --------------------------------------------------------------------------- the data set


@dataclass
class Dataset:
    """Everything loaded, by kind (see kinds.py): `by_kind("routines")` is id -> entity for a
    folder kind; `single("glossary")` is the one entity of a file kind, or None."""

    root: Path
    files: dict[str, SourceFile] = field(default_factory=dict)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    singles: dict[str, Any] = field(default_factory=dict)
    failed_files: list[str] = field(default_factory=list)

    def by_kind(self, kind: str) -> dict[str, Any]:
        """id -> entity; empty (never an error) for a kind with no files or no registration."""
        return self.entities.setdefault(kind, {})

    def single(self, kind: str) -> Any:
        return self.singles.get(kind)

    def items(self) -> Iterator[tuple[kinds.Kind, Any]]:
        """(kind, entity) for every loaded entity, kinds in registry order."""
        for kind in kinds.all_kinds():
            if kind.single:
                if self.singles.get(kind.name) is not None:
                    yield kind, self.singles[kind.name]
            else:
                for entity in self.by_kind(kind.name).values():
                    yield kind, entity

    # Today's names, kept so templates and other stages read as before.
    organisations = property(lambda self: self.by_kind("organisations"))
    roles = property(lambda self: self.by_kind("roles"))
    routines = property(lambda self: self.by_kind("routines"))
    laws = property(lambda self: self.by_kind("laws"))
    documents = property(lambda self: self.by_kind("documents"))
    trees = property(lambda self: self.by_kind("trees"))
    checklists = property(lambda self: self.by_kind("checklists"))
    glossary = property(lambda self: self.singles.get("glossary"))
    sources = property(lambda self: self.singles.get("sources"))

    def source_of(self, entity: Entity) -> SourceFile:
        return self.files[entity.file]

    def ids(self) -> dict[str, str]:
        """Every top-level id -> its kind name."""
        out: dict[str, str] = {}
        for kind in kinds.folder_kinds():
            for key in self.by_kind(kind.name):
                out[key] = kind.name
        return out

    def entity(self, entity_id: str) -> Any:
        """The entity with this top-level id, of whatever kind, or None."""
        kind = self.ids().get(entity_id)
        return self.by_kind(kind).get(entity_id) if kind else None


def _rel(path: Path, base: Path, data_dir: Path | None = None) -> str:
    """The path as shown in findings and on pages: never an absolute path of the build machine."""
    try:
        return str(path.relative_to(base))
    except ValueError:
        if data_dir is not None:
            return str(Path(data_dir.name) / path.relative_to(data_dir))
        return str(path)


def data_files(data_dir: Path) -> list[Path]:
    """The data files that may be read: regular files inside data_dir (no symbolic links)."""
    return safefiles.walk(data_dir, (".yml", ".yaml"))[0]


_SUSPECT = re.compile("[\\\\\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def text_findings(source: SourceFile) -> list[Finding]:
    """NUL and other control characters in values (errors), bidirectional controls (warnings).

    YAML refuses most of them written raw, but escapes in double quotes ("\\0", "\\e",
    "\\u202e") put them in values; only files with a backslash or such a character are walked."""
    if not _SUSPECT.search(source.text):
        return []
    out: list[Finding] = []
    stack: list[tuple[tuple, Any]] = [((), source.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend((path + (k,), v) for k, v in value.items())
            stack.extend((path + (k,), k) for k in value if _SUSPECT.search(k))
        elif isinstance(value, list):
            stack.extend((path + (i,), v) for i, v in enumerate(value))
        elif isinstance(value, str):
            m = CONTROL_CHARS.search(value)
            if m:
                out.append(source.finding(
                    "RB053", "error", path, f"teksten har kontrolltegnet U+{ord(m.group(0)):04X} "
                    f"(tegn {m.start() + 1}); det kan skjule eller endre tekst", "fjern tegnet"))
            m = BIDI_CHARS.search(value)
            if m:
                out.append(source.finding(
                    "RB054", "warning", path, f"teksten har retningstegnet U+{ord(m.group(0)):04X} "
                    f"(tegn {m.start() + 1}), som kan få teksten til å se annerledes ut enn den er",
                    "fjern tegnet hvis det ikke trengs for arabisk eller hebraisk tekst"))
    return sorted(out, key=lambda f: (f.line, f.column))


class LoadCache:
    """What each file gave when it was last read, by path: `make serve` loads the data again after
    every save, and only the files whose size or modification time changed are parsed again.
    The stamp is taken before the file is read, so a file changed while it was being read is
    read again next time."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[tuple, SourceFile, Any, list[Finding]]] = {}

    @staticmethod
    def stamp(path: Path) -> tuple | None:
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)

    def get(self, rel: str, stamp: tuple | None):
        hit = self._files.get(rel)
        return hit[1:] if hit is not None and stamp is not None and hit[0] == stamp else None

    def put(self, rel: str, stamp: tuple | None, source: SourceFile, entity: Any, found: list[Finding]) -> None:
        if stamp is not None:
            self._files[rel] = (stamp, source, entity, found)

    def keep_only(self, rels: set[str]) -> None:
        for rel in set(self._files) - rels:
            del self._files[rel]


def load_dataset(data_dir: Path, report: Report, display_base: Path | None = None,
                 cache: LoadCache | None = None, parsed=None) -> Dataset:
    """Load every file under data_dir. Findings go to `report`; bad files are left out.
    With a cache, a file unchanged since the last load is not read again."""
    # Loading makes many small objects that all stay alive; with the cyclic collector on,
    # each full collection walks all of them again (most of the load time at 1,000
    # routines, growing faster than the data). Nothing here makes garbage cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_dataset(data_dir, report, display_base, cache, parsed)
    finally:
        if enabled:
            gc.enable()
        gc.freeze()  # the data set lives on; later collections need not walk it


def _load_dataset(data_dir: Path, report: Report, display_base: Path | None, cache: LoadCache | None,
                  parsed) -> Dataset:
    base = display_base if display_base is not None else data_dir.parent
    ds = Dataset(root=data_dir)
    if not data_dir.is_dir():
        report.add(Finding("RB057", "error", f"fant ikke datamappen {data_dir}", str(data_dir),
                           hint="kjør kommandoen i repoet, eller oppgi mappen med --data"))
        return ds
    for kind in kinds.folder_kinds():
        ds.by_kind(kind.name)
    ids: set[str] = set()
    paths, unsafe = safefiles.walk(data_dir, (".yml", ".yaml"))
    for path, reason in unsafe:
        rel = _rel(path, base, data_dir)
        report.add(Finding("RB052", "error", f"{path.name} {reason}; bare vanlige filer i repoet leses",
                           rel, hint="legg inn selve filen i data/, ikke en lenke"))
        ds.failed_files.append(rel)
    for path in paths:
        rel = _rel(path, base, data_dir)
        sub = path.relative_to(data_dir)
        kind = (kinds.by_folder(sub.parts[0]) if len(sub.parts) == 2
                else kinds.by_file(sub.name) if len(sub.parts) == 1 else None)
        if kind is None:
            known = [f"{k.folder}/<id>.yml" for k in kinds.folder_kinds()] + [k.file for k in kinds.file_kinds()]
            report.add(Finding("RB028", "error", "ukjent slags datafil: den hører ikke hjemme her",
                               rel, hint="datafiler ligger i " + ", ".join(known)))
            ds.failed_files.append(rel)
            continue
        stamp = cache.stamp(path) if cache is not None else None
        hit = cache.get(rel, stamp) if cache is not None else None
        if hit is not None:
            source, entity, found = hit
        else:
            try:
                source = read_yaml(path, rel, parsed)
                entity = validate(source, kind.model)
            except DataError as exc:
                report.extend(exc.findings)
                ds.failed_files.append(rel)
                continue
            found = text_findings(source)
            if cache is not None:
                cache.put(rel, stamp, source, entity, found)
        ds.files[rel] = source
        report.extend(found)
        if kind.single:
            ds.singles[kind.name] = entity
            continue
        if entity.id != path.stem:
            report.add(source.finding("RB027", "error", ("id",),
                                      f"id «{entity.id}» er ikke lik filnavnet «{path.stem}»",
                                      f"gi filen navnet {entity.id}.yml, eller endre id"))
        clash = ds.entity(entity.id) if entity.id in ids else None
        if clash is not None:
            report.add(source.finding("RB011", "error", ("id",),
                                      f"id «{entity.id}» er allerede brukt i {clash.file}",
                                      "alle id-er må være unike på tvers av filene"))
            continue
        ids.add(entity.id)
        ds.by_kind(kind.name)[entity.id] = entity
    if cache is not None:
        cache.keep_only({_rel(p, base, data_dir) for p in paths})
    return ds
