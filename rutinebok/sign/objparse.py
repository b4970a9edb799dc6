"""The objects of an object stream, read with regular expressions into exactly what pyHanko's
own parser makes of them.

Checking earlier signatures reads every object of the first signed revision (pyHanko's
difference analysis maps every path to every object). A tagged routine PDF has ~2,300
objects, ~2,000 of them structure elements in object streams, and pyHanko's parser reads
them a byte at a time: about 0.2 s of each `sign` and `verify`. This reader takes the same
bytes token by token with regular expressions and builds the same pyHanko objects (types,
values, `container_ref`), for the forms a PDF writer uses: dictionaries, arrays, names,
numbers, references, booleans and null. Anything else (strings, comments, a stream keyword,
a duplicate key, a malformed token) makes it give the whole object back to pyHanko's parser,
so odd or hostile input is read, and refused, exactly as before.
`test_object_stream_reader_is_pyhankos` compares the two on signed and attacked files.
"""

from __future__ import annotations

import io
import re

from pyhanko.pdf_utils.generic import (
    INDIRECT_PATTERN,
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    _decode_name,
    read_hex_string_from_stream,
    read_string_from_stream,
)


class Fallback(Exception):
    """Not a form this reader handles: pyHanko's parser reads the object."""


_WS = re.compile(rb"[ \n\r\t\f\x00]*")  # pyHanko's PDF_WHITESPACE
_NAME = re.compile(rb"[^ \n\r\t\f\x00()<>\[\]{}/%]*")  # up to a delimiter or whitespace, as read_until_delimiter
_PLAIN_NAME = re.compile(rb"[!\"$&'*+,\-.0-9:;=?@A-Z\\^_`a-z|~]*")  # printable, no '#': _decode_name changes nothing
_NUMBER = re.compile(rb"[+,\-.0-9]*")  # NumberObject.NumberPattern's complement ([^+-.0-9] is a range +..)
_DIGITS = b"0123456789"
# Deeper nesting is left to pyHanko's parser, which recurses further per level and so
# fails (or not) exactly where it did before.
MAX_DEPTH = 64
_SIGNS = b"+-."


def read_object(data: bytes, pos: int, container_ref):  # noqa: C901 - one branch per kind of token, as pyHanko's
    """The object at data[pos:], as `pyhanko.pdf_utils.generic.read_object` reads it from a
    stream positioned there; raises Fallback for anything not handled here."""
    ws_match, name_match, number_match, plain_name = _WS.match, _NAME.match, _NUMBER.match, _PLAIN_NAME.fullmatch
    ref_match = INDIRECT_PATTERN.match
    handler = container_ref.get_pdf_handler()
    end = len(data)

    def name(at: int) -> tuple[NameObject, int]:
        # `at` is just after the '/'
        raw = name_match(data, at).group()
        if plain_name(raw):
            return NameObject("/" + raw.decode("ascii")), at + len(raw)
        try:
            return _decode_name(raw), at + len(raw)
        except Exception:  # noqa: BLE001 - pyHanko's parser reports it
            raise Fallback from None

    def after_dict(at: int) -> int:
        # pyHanko looks for a `stream` keyword after every dictionary, skipping comments
        nxt = ws_match(data, at).end()
        if nxt < end and data[nxt] in b"s%":
            raise Fallback
        return at

    def value(at: int, depth: int = 0):  # noqa: C901 - one branch per kind of token, as pyHanko's
        if at >= end or depth > MAX_DEPTH:
            raise Fallback
        c = data[at]
        if c == 0x2F:  # /
            result, at = name(at + 1)
        elif c == 0x3C:  # <
            if data[at + 1:at + 2] != b"<":
                result, at = string(read_hex_string_from_stream, at)
                result.container_ref = container_ref
                return result, at
            at += 2
            entries: dict = {}
            while True:
                at = ws_match(data, at).end()
                if at >= end:
                    raise Fallback
                c = data[at]
                if c == 0x3E:  # >
                    if data[at + 1:at + 2] != b">":
                        raise Fallback
                    at += 2
                    break
                if c != 0x2F:
                    raise Fallback
                key, at = name(at + 1)
                at = ws_match(data, at).end()
                item, at = value(at, depth + 1)
                if key in entries:
                    raise Fallback  # pyHanko warns (or refuses, when strict)
                entries[key] = item
            result = DictionaryObject()
            dict.update(result, entries)  # the keys are names already: what __init__ would make of them
            after_dict(at)
        elif c == 0x5B:  # [
            at += 1
            items = []
            while True:
                at = ws_match(data, at).end()
                if at >= end:
                    raise Fallback
                if data[at] == 0x5D:  # ]
                    at += 1
                    break
                item, at = value(at, depth + 1)
                items.append(item)
            result = ArrayObject(items)
        elif c in _DIGITS:
            m = ref_match(data, at, at + 20)  # pyHanko peeks 20 bytes for "n g R"
            if m is not None:
                if b"\x0b" in m.group():
                    raise Fallback  # pyHanko reads the \v before R as a token and refuses it
                idnum, generation = int(m.group(1)), int(m.group(2))
                if idnum <= 0:
                    raise Fallback
                result, at = IndirectObject(idnum, generation, handler), m.end() - 1
            else:
                result, at = number(at)
        elif c in _SIGNS:
            result, at = number(at)
        elif c == 0x28:  # (
            result, at = string(read_string_from_stream, at)
        elif c == 0x74 and data[at:at + 4] == b"true":
            result, at = BooleanObject(True), at + 4
        elif c == 0x66 and data[at:at + 5] == b"false":
            result, at = BooleanObject(False), at + 5
        elif c == 0x6E and data[at:at + 4] == b"null":
            result, at = NullObject(), at + 4
        else:
            raise Fallback  # strings, comments, anything unexpected
        result.container_ref = container_ref
        return result, at

    buffer = []

    def string(reader, at: int):
        # Strings are read by pyHanko's own functions (escapes, encodings), from the same bytes.
        if not buffer:
            buffer.append(io.BytesIO(data))
        buf = buffer[0]
        buf.seek(at)
        try:
            return reader(buf), buf.tell()
        except Exception:  # noqa: BLE001 - pyHanko's parser reports it
            raise Fallback from None

    def number(at: int):
        raw = number_match(data, at).group()
        try:
            if b"." in raw:
                return FloatObject(raw.decode("ascii")), at + len(raw)
            return NumberObject(raw.decode("ascii")), at + len(raw)
        except Exception:  # noqa: BLE001 - pyHanko's parser reports it
            raise Fallback from None

    if pos >= end or data[pos] in b" \n\r\t\f\x00%":
        raise Fallback
    return value(pos)[0]
