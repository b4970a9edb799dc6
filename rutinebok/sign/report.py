"""Verification results for people: the terminal report and the site's signing status per routine."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import safefiles
from .common import SignError
from .verify import VerifyReport, verify_pdf


def _when(iso: str | None) -> str:
    if not iso:
        return "ukjent tidspunkt"
    t = dt.datetime.fromisoformat(iso)
    if t.tzinfo is not None:
        t = t.astimezone(dt.UTC)
    return t.strftime("%d.%m.%Y kl. %H:%M UTC")


def format_report(rep: VerifyReport, allow_unsigned: bool = False) -> str:
    head = rep.file
    if rep.routine:
        head += f"\nRutine: {rep.routine}" + (f", versjon {rep.version}" if rep.version else "")
    lines = [head, ""]
    by_party = {s.party: s for s in rep.signatures}
    width = max((len(p) for p in rep.fields), default=0)
    for party, signed in rep.fields.items():
        s = by_party.get(party)
        if not signed or s is None:
            lines.append(f"  {party:<{width}}  ikke signert")
            continue
        lines.append(f"  {party:<{width}}  signert av «{s.signer}» {_when(s.signed_at)} ({s.time_source})")
        lines.append(f"  {'':<{width}}  {'uendret' if s.intact else 'ENDRET etter signering'}; "
                     f"{'klarert' if s.trusted else 'IKKE klarert'}; "
                     f"{'sertifikatet tilhører parten' if s.bound else 'sertifikatet er IKKE partens'}; "
                     f"endringer etterpå: {s.changes_after}")
        for problem in s.problems:
            lines.append(f"  {'':<{width}}  ! {problem}")
    for s in rep.signatures:  # signatures outside the party fields
        if s.party not in rep.fields:
            lines.append(f"  {s.field}: signert av «{s.signer}» {_when(s.signed_at)}; "
                         + ("i orden" if s.ok else "; ".join(s.problems)))
    if rep.data_note:
        lines += ["", f"Dataene: {rep.data_note}."]
    failures = rep.failures(allow_unsigned)
    lines.append("")
    if failures:
        lines.append(f"Resultat: IKKE GODKJENT (avslutningskode {rep.exit_code(allow_unsigned)})")
        lines += [f"  - {f}" for f in failures]
    else:
        done = "alle parter har signert" if not rep.unsigned else f"{len(rep.unsigned)} felt er ikke signert ennå"
        lines.append(f"Resultat: godkjent: alle signaturer er uendret, klarert og partenes egne; {done}.")
    return "\n".join(lines)


@dataclass

class RoutineSigning:
    """What the site shows about a routine's signing. Iterating gives the signed copies
    (dicts with file, signatures, unsigned, changed_since_signing, or file and error)."""

    routine: str
    copies: list[dict] = field(default_factory=list)
    paper: dict | None = None  # the recorded paper signing, when there is one
    signed: list[dict] = field(default_factory=list)  # party, signer, when, file: valid and current
    unsigned: list[str] = field(default_factory=list)  # parties without a valid digital signature
    changed_since_signing: bool = False  # some copy was made from older data
    summary: str = ""

    def __iter__(self):
        return iter(self.copies)

    def __len__(self) -> int:
        return len(self.copies)

    def __bool__(self) -> bool:
        return bool(self.copies)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def as_dict(self) -> dict:
        return asdict(self)


def _paper(routine) -> dict | None:
    s = routine.signing
    if s is None or s.method != "papir":
        return None
    from ..words import date_words

    where = f" i {s.place}" if s.place else ""
    when = f" {date_words(s.date)}" if s.date else ""
    copy = "signert kopi finnes" if s.signed_copy else "ingen digital kopi"
    return {"place": s.place, "date": s.date.isoformat() if s.date else None,
            "parties": [x.party for x in s.signatories], "signed_copy": s.signed_copy,
            "text": f"Signert på papir{where}{when}, {copy}."}


def signing_status(ds, signed_dir: Path, data_dir: Path | None = None) -> dict[str, RoutineSigning]:
    """Per routine id: the signed copies under signed/<routine-id>/*.pdf, read from the PDFs
    (who signed and when, intact or not, parties not signed yet, data changed after signing),
    and a recorded paper signing. Every routine in `ds` has an entry."""
    signed_dir = Path(signed_dir)
    out: dict[str, RoutineSigning] = {}
    for rid, routine in sorted(ds.routines.items()):
        st = RoutineSigning(routine=rid, paper=_paper(routine))
        folder = signed_dir / rid
        valid: dict[str, dict] = {}
        # Only regular files named <id>.pdf inside the repository (safefiles.signed_pdfs);
        # the check reports the others (RB052). A copy that cannot be read is shown as such.
        for pdf in safefiles.signed_pdfs(folder, signed_dir.parent)[0]:
            try:
                rep = verify_pdf(pdf, [], ds=ds)
            except Exception as exc:  # noqa: BLE001 - any unreadable copy, never the build
                message = str(exc) if isinstance(exc, SignError) else "PDF-en kan ikke leses"
                st.copies.append({"file": pdf.name, "error": message.replace(str(pdf.parent), "")
                                  .replace(str(signed_dir.resolve()), "signed")})
                continue
            if rep.routine and rep.routine != rid:
                st.copies.append({"file": pdf.name, "error": f"kopien gjelder rutinen «{rep.routine}», ikke «{rid}»"})
                continue
            changed = bool(rep.changed_since_signing)
            st.changed_since_signing |= changed
            st.copies.append({
                "file": pdf.name,
                "signatures": [{"party": s.party, "signer": s.signer, "when": s.signed_at, "intact": s.intact,
                                "changes_ok": s.changes_ok} for s in rep.signatures],
                "unsigned": rep.unsigned,
                "changed_since_signing": changed,
                "version": rep.version,
            })
            if not changed:
                for s in rep.signatures:
                    if s.intact and s.valid and s.changes_ok and s.bound:
                        valid.setdefault(s.party, {"party": s.party, "signer": s.signer, "when": s.signed_at,
                                                   "file": pdf.name})
        st.signed = [valid[p] for p in routine.parties if p in valid]
        st.unsigned = [p for p in routine.parties if p not in valid]
        st.summary = _summary(st, routine)
        out[rid] = st
    return out


def _summary(st: RoutineSigning, routine) -> str:
    parts = []
    if st.copies:
        if st.signed:
            parts.append(f"Signert digitalt av {len(st.signed)} av {len(routine.parties)} parter.")
        if st.unsigned:
            parts.append("Ikke signert digitalt ennå: " + ", ".join(st.unsigned) + ".")
        if st.changed_since_signing:
            parts.append("Rutinen er endret etter at den ble signert.")
    if st.paper:
        parts.append(st.paper["text"] if not st.copies else st.paper["text"].replace(", ingen digital kopi", ""))
    if not parts:
        parts.append("Ikke signert.")
    return " ".join(parts)
