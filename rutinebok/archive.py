"""What a routine PDF records about its source, without the renderer: the source hash
(the routine file and every data file it shows) and the archive metadata (XMP: the routine,
its parties, their organisation numbers and allowed certificates).

`rutinebok pdf` writes these; `rutinebok sign` and `verify` compute them again from the
current data to tell whether the PDF is still current. They live apart from pdf.py so the
signing commands need not import the renderer and the check suite to do so.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import __version__
from .index import Index
from .load import Dataset

FIELD_PREFIX = "party-"


def source_hash(routine_bytes: bytes, engine: str = __version__) -> str:
    """The source hash stored in each PDF: sha256 of the routine file's bytes plus the engine
    version. `rutinebok verify` recomputes it from the current file with the engine version
    recorded in the PDF, to tell whether the data changed after the PDF was made."""
    return hashlib.sha256(f"rutinebok {engine}\n".encode() + routine_bytes).hexdigest()


def _entity_path(ds: Dataset, kind: str, entity_id: str) -> Path | None:
    for suffix in (".yml", ".yaml"):
        p = Path(ds.root) / kind / f"{entity_id}{suffix}"
        if p.is_file():
            return p
    return None


def routine_bytes(ds: Dataset, routine_id: str) -> bytes:
    path = _entity_path(ds, "routines", routine_id)
    if path is not None:
        return path.read_bytes()
    r = ds.routines[routine_id]
    return ds.files[r.file].text.encode("utf-8")


def routine_source_hash(ds: Dataset, routine_id: str, engine: str = __version__, index: Index | None = None) -> str:
    """The source hash a PDF records: the routine file's bytes, and every data file whose
    content it shows (organisations, roles, laws, documents, trees it names, the glossary
    and the sources), so renaming a role a step names is a change `verify` reports."""
    h = hashlib.sha256(source_hash(routine_bytes(ds, routine_id), engine).encode())
    root = Path(ds.root)
    for p in referenced_files(ds, routine_id, index):
        try:
            rel = p.relative_to(root).as_posix()
        except ValueError:
            rel = p.name
        h.update(f"\n{rel}:{hashlib.sha256(p.read_bytes()).hexdigest()}".encode())
    return h.hexdigest()


def referenced_files(ds: Dataset, routine_id: str, index: Index | None = None) -> list[Path]:
    """Every data file whose content can show up in the routine's PDF: the entities it names
    (the index finds them from the model's reference fields), its decision trees, the sources
    and the glossary."""
    index = index if index is not None else Index(ds)
    found = index.references("routines", routine_id)
    paths = [p for kind, ref in sorted(found) if (p := _entity_path(ds, kind, ref)) is not None]
    for name in ("glossary.yml", "sources.yml"):
        if (Path(ds.root) / name).is_file():
            paths.append(Path(ds.root) / name)
    return paths


def archive_meta(ds: Dataset, routine_id: str, index: Index | None = None):
    """The routine's archive metadata (XMP): what it is, its source hash, and who signs it
    with which organisation number or certificates."""
    from .xmp import Party, RoutineMeta, iso

    r = ds.routines[routine_id]
    signatories = {s.party: s for s in (r.signing.signatories if r.signing else [])}
    parties = []
    for p in r.parties:
        org = ds.organisations.get(p)
        sig = signatories.get(p)
        role = ds.roles.get(sig.role.partition("/")[0]) if sig and sig.role else None
        parties.append(Party(id=p, name=org.name if org else p, org_number=org.org_number if org else None,
                             field=f"{FIELD_PREFIX}{p}", signer_role=role.name if role else None,
                             certificates=[fp.replace(":", "").lower() for fp in (sig.fingerprints if sig else [])]))
    return RoutineMeta(routine_id=r.id, version=str(r.version), kind=r.kind, title=r.title,
                       valid_from=iso(r.valid_from), review_by=iso(r.review_by),
                       source_hash=routine_source_hash(ds, r.id, index=index), engine=__version__, parties=parties)
