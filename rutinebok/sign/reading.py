"""Reading routine PDFs: a pyHanko reader that stays fast on tagged PDFs, the party fields,
the routine metadata as signed, the updates made before signing, and the PDF/A parts a signature touches."""

from __future__ import annotations

import io
from pathlib import Path

from .common import FIELD_PREFIX, SignError


def _reader(path: Path):
    """(pyHanko reader, file bytes) for a PDF, or SignError saying what is wrong with it."""
    from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SignError(f"fant ikke filen {path}") from None
    except IsADirectoryError:
        raise SignError(f"{path} er en mappe, ikke en PDF-fil") from None
    except OSError as exc:
        raise SignError(f"kan ikke lese {path}: {exc.strerror}") from None
    if not data.lstrip()[:5] == b"%PDF-":
        raise SignError(f"{path} er ikke en PDF-fil (den begynner ikke med %PDF-)")
    if b"%%EOF" not in data[-2048:]:
        raise SignError(f"{path} er avkortet: slutten av PDF-filen mangler (%%EOF). Hent filen på nytt")
    try:
        reader = _reader_class()(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - forces the cross-reference table and catalog to be read
    except (PyHankoPdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, AssertionError) as exc:
        # (pyHanko asserts that the catalog is a dictionary)
        detail = f" ({exc})" if str(exc) else ""
        raise SignError(f"{path} er en skadet PDF-fil og kan ikke leses{detail}") from None
    return reader, data


def _comments_end(read_object):
    """pyHanko's read_object, refusing a comment that runs to the end of the data.

    pyHanko 0.38 skips a comment by reading to its end of line and never stops when the data ends
    first: its loop waits for a line end that a read at the end never gives. A crafted copy with
    such an object at the end of an object stream made `verify`, and the site build that reads
    every copy under signed/, hang for ever. Here that comment is malformed data, as the rest of
    the object would be."""
    from pyhanko.pdf_utils.misc import PdfStreamError

    def read(stream, *args, **kwargs):
        start = stream.tell()
        if stream.read(1) == b"%":
            while (byte := stream.read(1)) not in (b"\r", b"\n"):
                if not byte:
                    raise PdfStreamError("a comment runs to the end of the data")
        stream.seek(start)  # where it was (at the end of the data a read moves nothing)
        return read_object(stream, *args, **kwargs)

    read.__wrapped__ = read_object
    return read


def guard_comments() -> None:
    """_comments_end in both places pyHanko calls read_object from: its own module (objects,
    and the comment inside one) and the content stream parser, which imported it by name."""
    from pyhanko.pdf_utils import content_stream_parser, generic

    for module in (generic, content_stream_parser):
        if not hasattr(module.read_object, "__wrapped__"):
            module.read_object = _comments_end(module.read_object)


_READER_CLASS = None


def _reader_class():
    """pyHanko's reader, reading each object stream once.

    pyHanko 0.38 decompresses and scans a whole object stream for every object it reads
    from it. WeasyPrint puts a tagged PDF's ~1,000 structure elements into one object
    stream, and the modification analysis reads them all: quadratic, many seconds per
    signature. This reader keeps each decoded stream and its offset table, and maps the
    references of each revision with `refs.reverse_references`.
    """
    global _READER_CLASS
    if _READER_CLASS is not None:
        return _READER_CLASS
    guard_comments()
    from pyhanko.pdf_utils import generic, misc
    from pyhanko.pdf_utils.generic import DecodePurpose
    from pyhanko.pdf_utils.reader import HistoricalResolver, PdfFileReader

    from .objparse import Fallback
    from .objparse import read_object as fast_read
    from .refs import reverse_references

    class Resolver(HistoricalResolver):
        def _load_reverse_xref_cache(self):
            reverse_references(self)

        def _subsume_object(self, obj):
            if self.reader.encrypted:
                return super()._subsume_object(obj)
            return _copy_into(self, obj, super()._subsume_object)

    class Reader(PdfFileReader):
        def get_historical_resolver(self, revision: int):
            cache = self._historical_resolver_cache
            if revision not in cache:
                cache[revision] = Resolver(self, revision)
            return cache[revision]

        def _get_object_from_stream(self, idnum, stmnum, idx):
            stream = generic.Reference(stmnum, 0, self).get_object()
            cache = self.__dict__.setdefault("_rb_objstm", {})
            entry = cache.get(id(stream))
            if entry is None or entry[0] is not stream:
                if not isinstance(stream, generic.StreamObject) or stream.get("/Type") != "/ObjStm":
                    return super()._get_object_from_stream(idnum, stmnum, idx)
                data = stream.read_data(DecodePurpose.OBJECT_STREAM)
                buf, offsets = io.BytesIO(data), {}
                try:
                    for _ in range(int(stream["/N"])):
                        misc.read_non_whitespace(buf, seek_back=True)
                        objnum = generic.NumberObject.read_from_stream(buf)
                        misc.read_non_whitespace(buf, seek_back=True)
                        offsets.setdefault(int(objnum), int(generic.NumberObject.read_from_stream(buf)))
                except (ValueError, misc.PdfReadError):
                    return super()._get_object_from_stream(idnum, stmnum, idx)
                entry = cache[id(stream)] = (stream, data, offsets, int(stream["/First"]))
            _, data, offsets, first = entry
            if idnum not in offsets:
                return super()._get_object_from_stream(idnum, stmnum, idx)
            try:
                return fast_read(data, first + offsets[idnum], generic.Reference(idnum, 0, self))
            except Fallback:
                pass
            buf = io.BytesIO(data)
            buf.seek(first + offsets[idnum])
            try:
                return generic.read_object(buf, generic.Reference(idnum, 0, self))
            except (misc.PdfStreamError, misc.PdfReadError):
                return super()._get_object_from_stream(idnum, stmnum, idx)

    _READER_CLASS = Reader
    return Reader


def _copy_into(resolver, obj, subsume):
    """pyHanko's copy of an object into a revision (HistoricalResolver._subsume_object: its
    references resolve in that revision), for the plain dictionaries, arrays and references
    of an unencrypted file, without pyHanko's per-value type dispatch; streams and anything
    else go through `subsume`, pyHanko's own method. The copy is the same: same types,
    values and container references; primitives are shared, as pyHanko shares them.
    `test_revision_copies_are_pyhankos` compares the two."""
    from pyhanko.pdf_utils import generic

    indirect, dictionary, array = generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject
    refs: dict = {}

    def container(o):
        c = o.get_container_ref()  # raises, as pyHanko's does, for an object not read from a file
        key = (c.idnum, c.generation)
        ref = refs.get(key)
        if ref is None:
            ref = refs[key] = generic.Reference(idnum=c.idnum, generation=c.generation, pdf=resolver)
        return ref

    def copy(o):
        t = type(o)
        if t is dictionary:
            c = container(o)
            result = dictionary()
            dict.update(result, {k: copy(v) for k, v in dict.items(o)})
        elif t is array:
            c = container(o)
            result = array([copy(v) for v in list.__iter__(o)])
        elif t is indirect:
            if o.container_ref is None:
                o.get_container_ref()
            return indirect(o.idnum, o.generation, resolver)
        elif isinstance(o, (dictionary, array, indirect, generic.DecryptedObjectProxy)):
            return subsume(o)
        else:
            if o.container_ref is None:
                o.get_container_ref()
            return o
        result.container_ref = c
        return result

    return copy(obj)


def party_fields(reader) -> dict[str, bool]:
    """party id -> signed?, in the order of the fields in the PDF."""
    from pyhanko.sign.fields import enumerate_sig_fields

    out = {}
    for name, value, _ref in enumerate_sig_fields(reader):
        if name.startswith(FIELD_PREFIX):
            out[name[len(FIELD_PREFIX):]] = value is not None
    return out


def pdf_metadata(reader) -> dict[str, str | None]:
    """The routine id, routine version, source hash and engine version the PDF was made from."""
    try:
        info = reader.trailer["/Info"]
    except (KeyError, TypeError):
        info = {}

    def get(*keys: str) -> str | None:
        for key in keys:
            if key in info:
                return str(info[key])
        return None

    return {
        "routine": get("/RutinebokId", "/rutinebokid"),
        "version": get("/RutinebokVersion", "/rutinebokversion"),
        "source_hash": get("/RutinebokSourceHash", "/rutineboksourcehash"),
        "engine": get("/RutinebokEngine", "/rutinebokengine"),
    }


def _xmp_of(reader, revision: int | None = None) -> bytes | None:
    """The XMP packet of the document as it was in `revision` (None: as it is now)."""
    from pyhanko.pdf_utils.misc import PdfError as PyHankoPdfError

    try:
        if revision is None:
            return reader.root["/Metadata"].get_object().data
        ref = reader.get_historical_root(revision).raw_get("/Metadata")
        return reader.get_object(ref.reference, revision=revision).data
    except (KeyError, TypeError, AttributeError, ValueError, PyHankoPdfError):
        return None


def _signature_revisions(reader) -> list[int]:
    try:
        return sorted(emb.signed_revision for emb in reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - a broken signature dictionary: reported by verify
        return []


def signed_meta(reader):
    """The routine metadata (XMP) as it was when the first signature was made, or in the
    current file when nothing is signed yet. Later unsigned updates cannot change it."""
    from .. import xmp

    revisions = _signature_revisions(reader)
    raw = _xmp_of(reader, revisions[0] if revisions else None)
    return xmp.read(raw) if raw else None


def _fields_at(reader, revision: int | None) -> list[str]:
    """Signature field names in a revision (None: the current file)."""
    from pyhanko.sign.fields import enumerate_sig_fields

    handler = reader if revision is None else reader.get_historical_resolver(revision)
    try:
        return [name for name, _value, _ref in enumerate_sig_fields(handler)]
    except Exception:  # noqa: BLE001 - a broken form: no fields
        return []


BUILD_REVISIONS = 1  # `rutinebok pdf` writes the document with its empty signature fields
# Before 30 Nov 2026 it wrote the document, then one update with the fields: such a PDF, whose
# first revision has no fields, may still be signed and verified as it was made.
EARLIER_BUILD_REVISIONS = 2


def updates_before_signing(reader) -> int:
    """How many updates were added to the PDF after `rutinebok pdf` made it and before the
    first signature (or until now, when nothing is signed): none are expected."""
    revisions = _signature_revisions(reader)
    first = revisions[0] if revisions else reader.xrefs.total_revisions
    if first <= BUILD_REVISIONS:
        return 0  # (the usual case: no need to read the first revision's fields)
    made = BUILD_REVISIONS if _fields_at(reader, 0) else EARLIER_BUILD_REVISIONS
    return max(0, first - made)


def pdfa_problems(reader) -> list[str]:  # noqa: C901 - one refusal or check after another, in the order a user meets them
    """What breaks PDF/A-2b in the parts a signature adds: XMP identification, fonts."""
    import re

    out = []
    raw = _xmp_of(reader) or b""
    if not re.search(rb"pdfaid:part\s*=\s*[\"']2[\"']|<pdfaid:part>2</pdfaid:part>", raw):
        out.append("XMP-metadataene mangler PDF/A-identifikasjonen")
    if b"urn:rutinebok:ns:xmp:rutine" not in raw:
        out.append("XMP-metadataene mangler rutineboks arkivmetadata")
    seen: set = set()

    def fonts(obj, depth=0):
        from pyhanko.pdf_utils import generic

        if depth > 12:
            return
        if isinstance(obj, generic.IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                return
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, generic.DictionaryObject):
            if obj.get("/Type") == "/Font" or "/BaseFont" in obj:
                yield obj
            for k, v in obj.items():
                if k in ("/Parent", "/P", "/StructParent", "/StructTreeRoot"):
                    continue
                yield from fonts(v, depth + 1)
        elif isinstance(obj, generic.ArrayObject):
            for v in obj:
                yield from fonts(v, depth + 1)

    missing = set()
    for page in _pages(reader):
        for annot in page.get("/Annots", []) or []:
            for font in fonts(annot.get_object().get("/AP"), 0) if hasattr(annot, "get_object") else []:
                if font.get("/Subtype") == "/Type0":
                    continue  # checked through its descendant
                desc = font.get("/FontDescriptor")
                desc = desc.get_object() if desc is not None else None
                if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    missing.add(str(font.get("/BaseFont", "?")))
    if missing:
        out.append("skrifter er ikke innebygd: " + ", ".join(sorted(missing)))
    return out


def _pages(reader):
    try:
        root = reader.root["/Pages"]
    except KeyError:
        return []
    stack, out = [root.get_object()], []
    while stack and len(out) < 10000:
        node = stack.pop()
        if node.get("/Type") == "/Pages":
            stack.extend(k.get_object() for k in reversed(node.get("/Kids", [])))
        else:
            out.append(node)
    return out


def _load_data(ds, data_dir: Path | None):
    """The dataset in `data_dir` (or `ds` when given); None when there is none to load."""
    if ds is None and data_dir is not None and Path(data_dir, "routines").is_dir():
        from ..findings import Report
        from ..load import load_dataset

        try:
            ds = load_dataset(Path(data_dir), Report())
        except Exception:  # noqa: BLE001 - data that does not load: compare nothing
            return None
    return ds


def _data_party_meta(ds, data_dir: Path | None, routine_id: str):
    """The routine's archive metadata computed from the current data, or None when not available."""
    if hasattr(ds, "party_meta"):  # worker.DataWorker: the data loaded in a forked process
        return ds.party_meta(routine_id)
    ds = _load_data(ds, data_dir)
    if ds is None or routine_id not in ds.routines:
        return None
    from ..archive import archive_meta

    try:
        return archive_meta(ds, routine_id)
    except Exception:  # noqa: BLE001
        return None
