"""`rutinebok diff [REV_A] [REV_B]`: what a change alters, in the reader's terms (Norwegian).

Loads data/ at two git revisions (or the working tree) and compares the models, not the
text: steps added, removed, moved or reworded; deadlines (old → new words); parties,
actors, sections, contacts, meetings, time rules, legal references, review dates; the
signatures the change invalidates; and whether a routine's version went up. A change to
formatting alone (comments, quoting, indentation) is said to be one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .escape import terminal_lines
from .findings import Report
from .load import Dataset, load_dataset
from .render import SiteOptions, SiteRenderer

WORKTREE = "arbeidskopien"

# Routine fields that record what happened to the text (signing, approval, status, the log),
# not the text itself: changing them needs neither a new version nor new signatures.
RECORD_FIELDS = ("version", "change_log", "signing", "approved", "status")

BLOCK_WORDS = {
    "text": "tekst", "responsibility": "ansvar", "phase": "fase", "table": "tabell",
    "contacts": "kontaktliste", "list": "liste", "levels": "nivåmodell", "measures": "tiltak",
    "role": "rollebeskrivelse",
}
# Blocks compared one by one elsewhere (with their own lines), not as section text.
DETAILED_BLOCKS = ("procedure", "meeting", "rule")

STATUS_WORDS = {"utkast": "utkast", "gjeldende": "gjeldende", "til-revisjon": "til revisjon", "utgått": "utgått"}


class DiffError(Exception):
    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------- git


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffError("git er ikke installert") from None
    if result.returncode != 0:
        raise DiffError(result.stderr.decode("utf-8", "replace").strip() or f"git {' '.join(args)} feilet")
    return result.stdout


def repo_root(cwd: Path) -> Path:
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    except DiffError:
        raise DiffError(f"{cwd} er ikke i et git-repository") from None


def resolve(rev: str, root: Path) -> str:
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], root).decode().strip()
    except DiffError:
        raise DiffError(f"ukjent revisjon «{rev}» (skriv f.eks. main, HEAD~1 eller en commit-id)") from None


def _extract(rev: str, root: Path, path: str, dest: Path) -> bool:
    """Files under `path` at `rev` into dest/<path>; False when the revision has none."""
    if not _git(["ls-tree", "--name-only", rev, "--", path], root).strip():
        return False
    archive = _git(["archive", "--format=tar", rev, "--", path], root)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return True


def load_at(rev: str | None, root: Path, data: str, tmp: Path) -> tuple[Dataset, dict[str, str]]:
    """The data set at a revision (None: the working tree) and its files' texts."""
    where = WORKTREE if rev is None else f"revisjon {rev[:12]}"
    if rev is None:
        folder = root / data
    else:
        folder = tmp / rev[:12] / data
        if not _extract(rev, root, data, tmp / rev[:12]):
            raise DiffError(f"{where} har ingen datamappe «{data}»", 1)
    if not folder.is_dir():
        raise DiffError(f"{where} har ingen datamappe «{data}»", 1)
    report = Report()
    ds = load_dataset(folder, report, display_base=folder.parent)
    if report.errors:
        first = report.sorted()[0].format()
        raise DiffError(f"dataene i {where} kan ikke leses ({len(report.errors)} feil), f.eks.: {first}", 1)
    texts = {rel: src.text for rel, src in ds.files.items()}
    return ds, texts


# --------------------------------------------------------------------------- the summary


@dataclass
class RoutineChange:
    routine_id: str
    title: str
    lines: list[str] = field(default_factory=list)
    content_changed: bool = False
    version_bumped: bool = True


@dataclass
class Summary:
    a: str
    b: str
    routines: list[RoutineChange] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    formatting_only: bool = False
    no_change: bool = False

    @property
    def unbumped(self) -> list[RoutineChange]:
        return [r for r in self.routines if r.content_changed and not r.version_bumped]


def _dump(model) -> dict:
    return model.model_dump(mode="json")


def _one_line(text: str | None, limit: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Names:
    """Reader's words for ids and values in one data set; never fails on a dangling id."""

    def __init__(self, ds: Dataset, today: dt.date):
        self.r = SiteRenderer(ds, [], SiteOptions(today=today))
        self.ds = ds

    def name(self, ref: str | None) -> str:
        if not ref:
            return "ingen"
        try:
            return self.r.name(ref)
        except (KeyError, StopIteration):
            return ref

    def names(self, refs) -> str:
        return ", ".join(self.name(x) for x in refs) or "ingen"

    def deadline(self, d) -> str:
        try:
            return self.r.deadline(d) or "ingen"
        except (KeyError, AttributeError, ValueError):  # a rule that no longer exists: the value as written
            return "ingen" if d is None else str(_dump(d))

    def date(self, value) -> str:
        return self.r.date(value)


def _blocks(r, kind: str) -> dict:
    return {getattr(b, kind).id: getattr(b, kind) for _, b in r.walk_blocks() if b.kind == kind}


def _sections(r) -> dict:
    return {s.id: s for _, s in r.walk_sections()}


def _added_removed(old: list, new: list) -> tuple[list, list]:
    return [x for x in new if x not in old], [x for x in old if x not in new]


def _step_lines(old_proc, new_proc, old: _Names, new: _Names) -> list[str]:  # noqa: C901 - to be split in the diff/ split, issue 14 B (render branch)
    """Lines for one procedure: removed and moved steps first (old numbers, «tidligere steg»),
    then changes to the steps as they are now, then new steps (new numbers)."""
    title = new_proc.title
    head: list[str] = []
    if old_proc.title != new_proc.title:
        head.append(f"Prosedyren «{old_proc.title}» heter nå «{new_proc.title}».")
    ow, nw = old.deadline(old_proc.limit), new.deadline(new_proc.limit)
    if ow != nw:
        head.append(f"Rammen for «{title}»: {ow} → {nw}.")
    if (old_proc.intro or "") != (new_proc.intro or ""):
        head.append(f"Innledningen til «{title}» er endret.")
    old_steps, new_steps = old_proc.steps, new_proc.steps
    old_keys = [(s.actor, _one_line(s.action)) for s in old_steps]
    new_keys = [(s.actor, _one_line(s.action)) for s in new_steps]
    changes: dict[int, list[str]] = {}  # new step index -> lines

    def same_step(i: int, j: int) -> None:
        o, n = old_steps[i], new_steps[j]
        num = j + 1
        lines = changes.setdefault(j, [])
        if o.actor != n.actor:
            lines.append(f"Steg {num} i «{title}» utføres nå av {new.name(n.actor)} (før: {old.name(o.actor)}).")
        if _one_line(o.action) != _one_line(n.action):
            lines.append(f"Steg {num} i «{title}» er omformulert: «{_one_line(o.action)}» → «{_one_line(n.action)}».")
        ow, nw = old.deadline(o.deadline), new.deadline(n.deadline)
        if ow != nw:
            lines.append(f"Frist for steg {num} i «{title}»: {ow} → {nw}.")
        if (o.condition or "") != (n.condition or ""):
            lines.append(f"Vilkår for steg {num} i «{title}»: {o.condition or 'ingen'} → {n.condition or 'ingen'}.")
        if o.to != n.to:
            lines.append(f"Steg {num} i «{title}» varsler nå {new.names(n.to)} (før: {old.names(o.to)}).")
        if (o.note or "") != (n.note or ""):
            lines.append(f"Merknaden til steg {num} i «{title}» er endret.")

    removed: list[int] = []
    added: list[int] = []
    block_of: dict[tuple[str, int], int] = {}  # the changed stretch a removed or added step is in
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    for n, (op, i1, i2, j1, j2) in enumerate(matcher.get_opcodes()):
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                same_step(i1 + k, j1 + k)
        else:
            removed.extend(range(i1, i2))
            added.extend(range(j1, j2))
            block_of.update({("a", i): n for i in range(i1, i2)} | {("b", j): n for j in range(j1, j2)})
    # A step that left one place and arrived at another has moved.
    moved: list[tuple[int, int]] = []
    for i in list(removed):
        j = next((j for j in added if new_keys[j] == old_keys[i]), None)
        if j is not None:
            moved.append((i, j))
            removed.remove(i)
            added.remove(j)
    # The same action, now done by someone else, or the same actor reworded in the same
    # stretch of changes: one step changed, not one removed and one added.
    for same in (lambda i, j: new_keys[j][1] == old_keys[i][1],
                 lambda i, j: new_keys[j][0] == old_keys[i][0] and block_of[("a", i)] == block_of[("b", j)]):
        for i in list(removed):
            j = next((j for j in added if same(i, j)), None)
            if j is not None:
                removed.remove(i)
                added.remove(j)
                same_step(i, j)
    out = head
    for i in removed:
        s = old_steps[i]
        out.append(f"Tidligere steg {i + 1} i «{title}» er fjernet: {old.name(s.actor)}: {_one_line(s.action)}")
    if len(moved) > 1 and not removed and not added:
        out.append(f"Stegene i «{title}» har fått ny rekkefølge: "
                   + ", ".join(f"tidligere steg {i + 1} er nå steg {j + 1}"
                               for i, j in sorted(moved, key=lambda m: m[1])) + ".")
    else:
        for i, j in sorted(moved, key=lambda m: m[1]):
            s = new_steps[j]
            out.append(f"Tidligere steg {i + 1} i «{title}» er nå steg {j + 1}: {new.name(s.actor)}: "
                       f"{_one_line(s.action)}")
    for i, j in moved:
        same_step(i, j)
    for j in sorted(changes):
        out.extend(changes[j])
    for j in added:
        s = new_steps[j]
        deadline = new.deadline(s.deadline)
        out.append(f"Nytt steg {j + 1} i «{title}»: {new.name(s.actor)}: {_one_line(s.action)}"
                   + (f" (frist: {deadline})" if s.deadline else ""))
    return out


def _section_lines(old_r, new_r) -> list[str]:
    """Sections added, removed, renamed or with changed text (procedures, meetings and rules aside),
    named with their clause numbers as printed ("punkt 4.2"), old numbers for removed ones."""
    out: list[str] = []
    old_s, new_s = _sections(old_r), _sections(new_r)
    old_no, new_no = old_r.clause_numbers(), new_r.clause_numbers()
    for sid, s in new_s.items():
        o = old_s.get(sid)
        if o is None:
            out.append(f"Nytt avsnitt, punkt {new_no[sid]}: «{s.title}».")
            continue
        moved = f" (før punkt {old_no[sid]})" if old_no.get(sid) != new_no[sid] else ""
        if o.title != s.title:
            out.append(f"Avsnittet «{o.title}» (punkt {new_no[sid]}){moved} heter nå «{s.title}».")
        elif moved:
            out.append(f"Avsnittet «{s.title}» er nå punkt {new_no[sid]}{moved}.")
        changed = []
        for kind, word in BLOCK_WORDS.items():
            before = [_dump(getattr(b, kind)) if kind != "text" else b.text for b in o.blocks if b.kind == kind]
            after = [_dump(getattr(b, kind)) if kind != "text" else b.text for b in s.blocks if b.kind == kind]
            if before != after:
                changed.append(word)
        if changed:
            out.append(f"Avsnittet «{s.title}» (punkt {new_no[sid]}): endret "
                       f"{' og '.join(changed) if len(changed) < 3 else ', '.join(changed)}.")
    for sid, o in old_s.items():
        if sid not in new_s:
            out.append(f"Avsnittet «{o.title}» (tidligere punkt {old_no[sid]}) er fjernet.")
    return out


def _signing_lines(old_s, new_s, names: _Names) -> list[str]:
    if old_s is None and new_s is None:
        return []
    if old_s is None:
        return [f"Signeringen er registrert ({new_s.method}"
                + (f", {names.date(new_s.date)}" if new_s.date else "") + ")."]
    if new_s is None:
        return ["Opplysningene om signeringen er fjernet."]
    out = []
    if old_s.method != new_s.method:
        out.append(f"Signeringsmåte: {old_s.method} → {new_s.method}.")
    if old_s.date != new_s.date:
        out.append(f"Signeringsdato: {names.date(old_s.date)} → {names.date(new_s.date)}.")
    if old_s.place != new_s.place:
        out.append(f"Signeringssted: {old_s.place or 'ikke oppgitt'} → {new_s.place or 'ikke oppgitt'}.")
    added, removed = _added_removed([s.party for s in old_s.signatories], [s.party for s in new_s.signatories])
    if added:
        out.append(f"Ny signatar: {names.names(added)}.")
    if removed:
        out.append(f"Signatar fjernet: {names.names(removed)}.")
    if old_s.signed_copy != new_s.signed_copy:
        out.append(f"Signert kopi: {new_s.signed_copy or 'ingen'}.")
    if not out and _dump(old_s) != _dump(new_s):
        out.append("Merknaden om signeringen er endret.")
    return out


def _signed_pdf_parties(pdf: Path) -> list[str] | None:
    """The parties whose signature field in `pdf` is signed; None when it cannot be read."""
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.fields import enumerate_sig_fields

        from .sign import FIELD_PREFIX  # signature fields are named party-<organisation-id>

        with pdf.open("rb") as f:
            reader = PdfFileReader(f, strict=False)
            return [name.removeprefix(FIELD_PREFIX) for name, value, _ in enumerate_sig_fields(reader)
                    if name.startswith(FIELD_PREFIX) and value is not None]
    except Exception:  # noqa: BLE001 - pyHanko raises many kinds; an unreadable copy is named by file
        return None


def compare_routine(old, new, a: _Names, b: _Names, signed_copies: list[Path]) -> RoutineChange:  # noqa: C901 - to be split in the diff/ split, issue 14 B (render branch)
    change = RoutineChange(new.id, new.title)
    old_d, new_d = _dump(old), _dump(new)
    if old_d == new_d:
        # The routine is the same, but a checklist it answers to may have changed under it.
        change.lines += coverage_lines(old, new, a, b)
        return change
    change.content_changed = _agreed(old_d) != _agreed(new_d)
    lines = change.lines
    if old.version != new.version:
        lines.append(f"Versjon: {old.version} → {new.version}.")
    change.version_bumped = new.version > old.version
    old_log = {(e.version, e.summary) for e in old.change_log}
    for entry in new.change_log:
        if (entry.version, entry.summary) not in old_log:
            lines.append(f"Endringslogg, versjon {entry.version}: {_one_line(entry.summary)}")
    if old.status != new.status:
        lines.append(f"Status: {STATUS_WORDS[old.status]} → {STATUS_WORDS[new.status]}.")
    for attr, label in (("valid_from", "Gjelder fra"), ("review_by", "Evalueres innen")):
        x, y = getattr(old, attr), getattr(new, attr)
        if x != y:
            lines.append(f"{label}: {a.date(x)} → {b.date(y)}.")
    if (old.period and old.period.words) != (new.period and new.period.words):
        lines.append(f"Planperiode: {old.period.words if old.period else 'ingen'} → "
                     f"{new.period.words if new.period else 'ingen'}.")
    if old.title != new.title:
        lines.append(f"Ny tittel (før: «{old.title}»).")
    if old.summary != new.summary:
        lines.append("Sammendraget er endret.")
    if old.owner != new.owner:
        lines.append(f"Eier: {a.name(old.owner)} → {b.name(new.owner)}.")
    added, removed = _added_removed(old.parties, new.parties)
    lines += [f"Ny part: {b.name(p)}." for p in added]
    lines += [f"{a.name(p)} er ikke lenger part." for p in removed]
    added, removed = _added_removed(old.external_actors, new.external_actors)
    lines += [f"Ny ekstern aktør: {b.name(p)}." for p in added]
    lines += [f"{a.name(p)} er ikke lenger ekstern aktør." for p in removed]
    if old.approved != new.approved:
        if new.approved is None:
            lines.append("Opplysningene om vedtaket er fjernet.")
        else:
            lines.append(f"Vedtatt: {new.approved.by}, {b.date(new.approved.on)}.")
    lines += _signing_lines(old.signing, new.signing, b)

    lines += _section_lines(old, new)
    old_procs, new_procs = _blocks(old, "procedure"), _blocks(new, "procedure")
    for pid, proc in new_procs.items():
        if pid not in old_procs:
            lines.append(f"Ny prosedyre: «{proc.title}» med {len(proc.steps)} steg.")
        else:
            lines.extend(_step_lines(old_procs[pid], proc, a, b))
    for pid, proc in old_procs.items():
        if pid not in new_procs:
            lines.append(f"Prosedyren «{proc.title}» er fjernet.")

    old_rules, new_rules = _blocks(old, "rule"), _blocks(new, "rule")
    for rid, rule in new_rules.items():
        o = old_rules.get(rid)
        if o is None:
            lines.append(f"Ny tidsregel: «{rule.name}» ({_rule_words(rule, b)}).")
            continue
        if _rule_words(o, a) != _rule_words(rule, b):
            lines.append(f"Tidsregelen «{rule.name}»: {_rule_words(o, a)} → {_rule_words(rule, b)}.")
        if o.applies_to != rule.applies_to:
            lines.append(f"Tidsregelen «{rule.name}» gjelder nå for {b.names(rule.applies_to)} "
                         f"(før: {a.names(o.applies_to)}).")
        if _one_line(o.text) != _one_line(rule.text) or o.name != rule.name:
            lines.append(f"Teksten til tidsregelen «{rule.name}» er endret.")
    for rid, rule in old_rules.items():
        if rid not in new_rules:
            lines.append(f"Tidsregelen «{rule.name}» er fjernet.")

    old_meet, new_meet = _blocks(old, "meeting"), _blocks(new, "meeting")
    for mid, m in new_meet.items():
        o = old_meet.get(mid)
        if o is None:
            lines.append(f"Nytt møte: «{m.title}» ({m.frequency.words}, kalles inn av {b.name(m.convener)}).")
            continue
        if o.frequency.words != m.frequency.words:
            lines.append(f"Møtet «{m.title}»: {o.frequency.words} → {m.frequency.words}.")
        if o.convener != m.convener:
            lines.append(f"Møtet «{m.title}» kalles nå inn av {b.name(m.convener)} (før: {a.name(o.convener)}).")
        p_added, p_removed = _added_removed(o.participants, m.participants)
        if p_added:
            lines.append(f"Møtet «{m.title}»: ny deltaker {b.names(p_added)}.")
        if p_removed:
            lines.append(f"Møtet «{m.title}»: {a.names(p_removed)} deltar ikke lenger.")
        rest = [w for key, w in (("agenda", "dagsorden"), ("tasks", "oppgaver"), ("description", "beskrivelse"),
                                 ("participants_note", "om deltakerne"), ("title", "tittel"))
                if getattr(o, key) != getattr(m, key)]
        if rest:
            lines.append(f"Møtet «{m.title}»: endret {', '.join(rest)}.")
    for mid, m in old_meet.items():
        if mid not in new_meet:
            lines.append(f"Møtet «{m.title}» er fjernet.")

    old_laws = [(x.law, x.paragraph) for x in old.legal_basis]
    new_laws = [(x.law, x.paragraph) for x in new.legal_basis]
    added, removed = _added_removed(old_laws, new_laws)

    def law_words(names: _Names, law: str, para: str | None) -> str:
        return names.name(law) + (f" {para}" if para else "")

    for law, para in list(added):  # the same law, another paragraph: one line
        was = next((x for x in removed if x[0] == law), None)
        if was is not None:
            lines.append(f"Lovgrunnlag: {law_words(a, *was)} → {law_words(b, law, para)}.")
            added.remove((law, para))
            removed.remove(was)
    lines += [f"Nytt lovgrunnlag: {law_words(b, law, para)}." for law, para in added]
    lines += [f"Lovgrunnlag fjernet: {law_words(a, law, para)}." for law, para in removed]
    old_docs = [d.document for d in old.governing_documents]
    new_docs = [d.document for d in new.governing_documents]
    added, removed = _added_removed(old_docs, new_docs)
    lines += [f"Nytt styringsdokument: {_doc_title(b.ds, d)}." for d in added]
    lines += [f"Styringsdokument fjernet: {_doc_title(a.ds, d)}." for d in removed]
    added, removed = _added_removed([x.title for x in old.attachments], [x.title for x in new.attachments])
    lines += [f"Nytt vedlegg: «{t}»." for t in added]
    lines += [f"Vedlegg fjernet: «{t}»." for t in removed]

    lines += coverage_lines(old, new, a, b)
    if change.content_changed and not lines:  # a field not described above
        changed = [k for k in new_d if k not in RECORD_FIELDS and old_d.get(k) != new_d[k]]
        lines.append("Endret: " + ", ".join(changed) + ".")
    if change.content_changed:
        signers = [s.party for s in old.signing.signatories] if old.signing else []
        for party in signers:
            lines.append(f"{a.name(party)} har signert versjon {old.version}; endringen krever nye signaturer.")
        for pdf in signed_copies:
            parties = _signed_pdf_parties(pdf)
            others = [p for p in (parties or []) if p not in signers]
            for party in others:
                lines.append(f"{a.name(party)} har signert PDF-en signed/{old.id}/{pdf.name}; "
                             "endringen krever nye signaturer.")
            if parties is None:
                lines.append(f"Den signerte kopien signed/{old.id}/{pdf.name} gjelder en tidligere versjon; "
                             "endringen krever nye signaturer.")
        if not change.version_bumped:
            lines.append(f"Versjonsnummeret er ikke økt (fortsatt {new.version}); øk version og skriv i change_log.")
    return change


# Which checklist items a routine answers to is the editors' mapping of the text, not what the
# parties agreed: mapping a routine against a checklist needs no new version or signatures.
MAPPING_FIELDS = ("checklists", "not_applicable")


def _agreed(d: dict) -> dict:
    """The dumped routine without records and checklist mapping: what a change of version is about."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "covers"}
        return [strip(v) for v in x] if isinstance(x, list) else x

    return {k: strip(v) for k, v in d.items() if k not in RECORD_FIELDS and k not in MAPPING_FIELDS}


def coverage_lines(old, new, a: _Names, b: _Names) -> list[str]:
    """Checklist coverage gained or lost: what a signer must know before signing again."""
    from .coverage import STATUS_WORDS as COVER_WORDS
    from .coverage import routine_coverage

    before = {c.checklist.id: c for c in routine_coverage(old, a.ds.by_kind("checklists"))}
    after = {c.checklist.id: c for c in routine_coverage(new, b.ds.by_kind("checklists"))}
    lines = []
    for cid, cov in after.items():
        title = cov.checklist.title
        was = before.get(cid)
        if was is None:
            lines.append(f"Svarer nå til sjekklisten «{title}»: {cov.words.lower()}.")
            continue
        old_items = {i.item.id: i for i in was.items}
        numbers_a, numbers_b = old.clause_numbers(), new.clause_numbers()
        for ic in cov.items:
            prev = old_items.get(ic.item.id)
            prev_status = prev.status if prev else "ikke-dekket"
            where = [numbers_b.get(s, s) for s in ic.sections]
            prev_where = [numbers_a.get(s, s) for s in prev.sections] if prev else []
            if prev_status == ic.status and where == prev_where:
                continue
            now = COVER_WORDS[ic.status].lower() + (f" i {', '.join(where)}" if where else "")
            then = COVER_WORDS[prev_status].lower() + (f" i {', '.join(prev_where)}" if prev_where else "")
            if prev is None:
                then = "ikke med i sjekklisten"
            lines.append(f"Sjekklisten «{title}», punktet «{ic.item.title}»: {then} → {now}.")
        for iid, prev in old_items.items():
            if iid not in {i.item.id for i in cov.items}:
                lines.append(f"Sjekklisten «{title}»: punktet «{prev.item.title}» er fjernet fra sjekklisten.")
        if (was.covered, was.total) != (cov.covered, cov.total):
            lines.append(f"Sjekklisten «{title}»: dekket {was.covered} av {was.total} → {cov.covered} av "
                         f"{cov.total} punkter.")
    for cid, was in before.items():
        if cid not in after:
            lines.append(f"Svarer ikke lenger til sjekklisten «{was.checklist.title}».")
    return lines


def _rule_words(rule, names: _Names) -> str:
    value = rule.value.words if rule.value else names.date(rule.starts)
    return f"{rule.qualifier} {value}" if rule.qualifier and rule.qualifier not in ("innen", "i") else value


def _doc_title(ds: Dataset, doc_id: str) -> str:
    d = ds.documents.get(doc_id)
    return f"«{d.title}»" if d else doc_id


def _contact_words(c) -> str:
    return c.phone or c.email or c.web or c.address or c.label


ORG_FIELDS = {
    "name": "navn", "short_name": "kortnavn", "kind": "type", "legal_form": "organisasjonsform",
    "part_of": "del av", "serves_note": "hvem tjenesten er for", "ended_on": "opphørte",
    "replaced_by": "erstattet av",
}
ORG_LISTS = {"owned_by": "eiere", "serves": "kommuner tjenesten dekker", "reviewers": "godkjennere"}


def _org_lines(old, new, a: _Names, b: _Names) -> list[str]:
    out = []
    who = new.short_name or new.name
    for key, word in ORG_FIELDS.items():
        x, y = getattr(old, key), getattr(new, key)
        if x != y:
            if isinstance(x, dt.date) or isinstance(y, dt.date):
                x, y = (a.date(x) if x else "ingen"), (b.date(y) if y else "ingen")
            out.append(f"{who}: {word} {x or 'ingen'} → {y or 'ingen'}.")
    for key, word in ORG_LISTS.items():
        added, removed = _added_removed(getattr(old, key), getattr(new, key))
        if added or removed:
            parts = ([f"lagt til {b.names(added) if key != 'reviewers' else ', '.join(added)}"] if added else []) + \
                    ([f"fjernet {a.names(removed) if key != 'reviewers' else ', '.join(removed)}"] if removed else [])
            out.append(f"{who}: {word}: {'; '.join(parts)}.")
    if old.description != new.description:
        out.append(f"{who}: beskrivelsen er endret.")
    oc = {c.id: c for c in old.contacts}
    nc = {c.id: c for c in new.contacts}
    for cid, c in nc.items():
        if cid not in oc:
            out.append(f"{new.name}: ny kontakt «{c.label}»: {_contact_words(c)}.")
        elif _dump(oc[cid]) != _dump(c):
            o = oc[cid]
            shown = _used_in(b.ds, f"{new.id}/{cid}")
            if _contact_words(o) != _contact_words(c):
                out.append(f"{new.name}: «{c.label}» endret: {_contact_words(o)} → {_contact_words(c)}{shown}.")
            else:
                what = [w for key, w in (("label", "betegnelse"), ("phone", "telefon"), ("email", "e-post"),
                                         ("web", "nettside"), ("address", "adresse"),
                                         ("opening_hours", "åpningstider"), ("note", "merknad"),
                                         ("as_of", "bekreftet dato"), ("source", "kilde"))
                        if getattr(o, key) != getattr(c, key)]
                out.append(f"{new.name}: «{c.label}»: endret {', '.join(what)}{shown}.")
    for cid, c in oc.items():
        if cid not in nc:
            out.append(f"{old.name}: kontakten «{c.label}» ({_contact_words(c)}) er fjernet"
                       f"{_used_in(a.ds, f'{old.id}/{cid}')}.")
    if not out and _dump(old) != _dump(new):
        out.append(f"{new.name}: kildehenvisningen er endret.")
    return out


def _used_in(ds: Dataset, ref: str) -> str:
    """' (står i «Routine», «Tree»)' for the routines and guides that show contact `ref`."""
    import json

    needle = json.dumps(ref)
    titles = [x.title for x in (*ds.routines.values(), *ds.trees.values())
              if needle in json.dumps(_dump(x), ensure_ascii=False)]
    return f" (står i {', '.join(f'«{t}»' for t in titles)})" if titles else ""


def _routines_citing(ds: Dataset, law_id: str) -> list[str]:
    return [r.title for r in ds.routines.values() if any(x.law == law_id for x in r.legal_basis)]


def _other_lines(a_ds: Dataset, b_ds: Dataset, a: _Names, b: _Names) -> list[str]:
    out: list[str] = []
    kinds = (("roles", "rolle", lambda x: x.name), ("laws", "lov", lambda x: x.short_name or x.title),
             ("documents", "dokument", lambda x: x.title), ("trees", "veiviser", lambda x: x.title),
             ("checklists", "sjekkliste", lambda x: x.title))
    for kind, word, title in kinds:
        a_items, b_items = getattr(a_ds, kind), getattr(b_ds, kind)
        for key in sorted(set(a_items) | set(b_items)):
            old, new = a_items.get(key), b_items.get(key)
            if old is None:
                out.append(f"Ny {word}: «{title(new)}».")
            elif new is None:
                out.append(f"{word.capitalize()} fjernet: «{title(old)}».")
            elif _dump(old) != _dump(new):
                out.extend(_item_lines(kind, word, old, new, title, a_ds, b_ds, b))
    out += _glossary_lines(a_ds.glossary, b_ds.glossary)
    old_src = {s.id: s for s in (a_ds.sources.sources if a_ds.sources else [])}
    new_src = {s.id: s for s in (b_ds.sources.sources if b_ds.sources else [])}
    for sid in sorted(set(old_src) | set(new_src)):
        o, n = old_src.get(sid), new_src.get(sid)
        if o is None:
            out.append(f"Ny kilde: «{n.title}».")
        elif n is None:
            out.append(f"Kilde fjernet: «{o.title}».")
        elif _dump(o) != _dump(n):
            out.append(f"Endret kilde: «{n.title}».")
    return out


def _item_lines(kind, word, old, new, title, a_ds, b_ds, b: _Names) -> list[str]:
    if kind == "laws":
        out = []
        old_changes = {(p.id, c.date, c.kind) for p in old.paragraphs for c in p.changes}
        for p in new.paragraphs:
            for c in p.changes:
                if (p.id, c.date, c.kind) not in old_changes:
                    cited = _routines_citing(b_ds, new.id)
                    out.append(f"{title(new)} {p.id}: {c.kind} {b.date(c.date)}"
                               + (f" (lovgrunnlag for {', '.join(f'«{t}»' for t in cited)})" if cited else "") + ".")
        if old.repealed_on != new.repealed_on:
            out.append(f"{title(new)}: opphevet {b.date(new.repealed_on) if new.repealed_on else 'ikke lenger'}.")
        return out or [f"Endret lov: «{title(new)}»."]
    if kind == "trees":
        old_nodes = {n.id: n for n in old.nodes}
        new_nodes = {n.id: n for n in new.nodes}
        parts = []
        for label, ids, nodes in (
            ("ny", [k for k in new_nodes if k not in old_nodes], new_nodes),
            ("endret", [k for k in new_nodes if k in old_nodes and _dump(old_nodes[k]) != _dump(new_nodes[k])],
             new_nodes),
            ("fjernet", [k for k in old_nodes if k not in new_nodes], old_nodes),
        ):
            if ids:
                parts.append(f"{label} " + _some([_node_words(nodes[k]) for k in ids]))
        if old.start != new.start:
            parts.append("nytt første spørsmål")
        return [f"Veiviseren «{title(new)}»: " + ("; ".join(parts) or "endret") + "."]
    return [f"Endret {word}: «{title(new)}»."]


def _node_words(node) -> str:
    if node.outcome is not None:
        return f"utfallet «{_one_line(node.outcome.title)}»"
    return f"spørsmålet «{_one_line(node.question)}»"


def _some(items: list[str], n: int = 4) -> str:
    if len(items) <= n:
        return ", ".join(items[:-1]) + (" og " if len(items) > 1 else "") + items[-1]
    return ", ".join(items[:n]) + f" og {len(items) - n} til"


def _glossary_lines(old_g, new_g) -> list[str]:
    old_t = {t.term: t for t in (old_g.terms if old_g else [])}
    new_t = {t.term: t for t in (new_g.terms if new_g else [])}
    if not old_t and new_t:
        return [f"Ny ordliste med {len(new_t)} ord."]
    if old_t and not new_t:
        return ["Ordlisten er fjernet."]
    out = []
    for term in sorted(set(old_t) | set(new_t)):
        o, n = old_t.get(term), new_t.get(term)
        if o is None:
            out.append(f"Ordlisten: nytt ord «{term}».")
        elif n is None:
            out.append(f"Ordlisten: «{term}» er fjernet.")
        elif _dump(o) != _dump(n):
            out.append(f"Ordlisten: forklaringen av «{term}» er endret.")
    return out


def compare(a_ds: Dataset, b_ds: Dataset, a_texts: dict, b_texts: dict, a: str, b: str, signed_dir: Path | None,
            today: dt.date) -> Summary:
    """The summary of what changed from a_ds to b_ds. `signed_dir` holds signed/<routine-id>/*.pdf
    as they were at `a` (the copies a change invalidates)."""
    summary = Summary(a, b)
    old_n, new_n = _Names(a_ds, today), _Names(b_ds, today)
    for rid in sorted(set(a_ds.routines) | set(b_ds.routines)):
        old, new = a_ds.routines.get(rid), b_ds.routines.get(rid)
        if old is None:
            summary.routines.append(RoutineChange(rid, new.title, [f"Ny rutine: «{new.title}»."], True, True))
        elif new is None:
            summary.routines.append(RoutineChange(rid, old.title, [f"Rutinen «{old.title}» er fjernet."], True, True))
        else:
            folder = signed_dir / rid if signed_dir else None
            copies = sorted(folder.glob("*.pdf")) if folder and folder.is_dir() else []
            change = compare_routine(old, new, old_n, new_n, copies)
            if change.lines:
                summary.routines.append(change)
    for oid in sorted(set(a_ds.organisations) | set(b_ds.organisations)):
        old, new = a_ds.organisations.get(oid), b_ds.organisations.get(oid)
        if old is None:
            summary.organisations.append(f"Ny organisasjon: {new.name}.")
        elif new is None:
            summary.organisations.append(f"Organisasjonen {old.name} er fjernet.")
        elif _dump(old) != _dump(new):
            summary.organisations.extend(_org_lines(old, new, old_n, new_n))
    summary.other = _other_lines(a_ds, b_ds, old_n, new_n)
    if not (summary.routines or summary.organisations or summary.other):
        a_inner = {"/".join(Path(k).parts[-2:]): v for k, v in a_texts.items()}
        b_inner = {"/".join(Path(k).parts[-2:]): v for k, v in b_texts.items()}
        summary.formatting_only = a_inner != b_inner
        summary.no_change = not summary.formatting_only
    return summary


# --------------------------------------------------------------------------- output

FORMATTING_ONLY = "Bare formatering er endret (mellomrom, kommentarer, anførselstegn); innholdet er det samme."
NO_CHANGE = "Ingen endringer i dataene."


def format_text(s: Summary) -> str:
    lines = [f"Endringer fra {s.a} til {s.b}:"]
    if s.no_change:
        return lines[0] + "\n" + NO_CHANGE
    if s.formatting_only:
        return lines[0] + "\n" + FORMATTING_ONLY
    for r in s.routines:
        lines.append(f"\n{r.title} ({r.routine_id}):")
        lines.extend(f"  - {x}" for x in r.lines)
    if s.organisations:
        lines.append("\nKontakter og organisasjoner:")
        lines.extend(f"  - {x}" for x in s.organisations)
    if s.other:
        lines.append("\nAnnet:")
        lines.extend(f"  - {x}" for x in s.other)
    return "\n".join(lines)


_MENTION = re.compile(r"(?<![\w.])@(?=[A-Za-z0-9])")


def _md(text: str) -> str:
    """Data text safe in a pull-request comment: no @mentions (data links are written @id),
    no stray Markdown or HTML."""
    text = _MENTION.sub("@\u200b", text)
    text = re.sub(r"(?<![\w&])#(?=\d)", "#\u200b", text)  # not a link to issue or pull request N
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def format_markdown(s: Summary) -> str:
    lines = [f"### Hva endringen betyr ({_md(s.a)} → {_md(s.b)})", ""]
    if s.no_change:
        return "\n".join(lines + [NO_CHANGE]) + "\n"
    if s.formatting_only:
        return "\n".join(lines + [FORMATTING_ONLY]) + "\n"
    for r in s.routines:
        lines += [f"**{_md(r.title)}** (`{r.routine_id}`)", ""] + [f"- {_md(x)}" for x in r.lines] + [""]
    if s.organisations:
        lines += ["**Kontakter og organisasjoner**", ""] + [f"- {_md(x)}" for x in s.organisations] + [""]
    if s.other:
        lines += ["**Annet**", ""] + [f"- {_md(x)}" for x in s.other] + [""]
    if s.unbumped:
        lines += ["> **Versjonsnummeret må økes** for: " + ", ".join(f"`{r.routine_id}`" for r in s.unbumped)]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- entry points


def default_base(root: Path) -> str:
    """The merge base of HEAD and main (or origin/main); HEAD when there is no main."""
    for main in ("main", "origin/main"):
        try:
            return _git(["merge-base", "HEAD", main], root).decode().strip()
        except DiffError:
            continue
    return "HEAD"


def _label(rev: str) -> str:
    return rev[:12] if re.fullmatch(r"[0-9a-f]{40}", rev) else rev


def run_diff(rev_a: str | None, rev_b: str | None, cwd: Path, data: str = "data",
             today: dt.date | None = None) -> Summary:
    root = repo_root(cwd)
    label_a = rev_a
    if rev_a is None:
        rev_a = default_base(root)
        label_a = "main" if rev_a != "HEAD" else "HEAD"
    a = resolve(rev_a, root)
    b = resolve(rev_b, root) if rev_b else None
    with tempfile.TemporaryDirectory() as tmp:
        a_ds, a_texts = load_at(a, root, data, Path(tmp))
        b_ds, b_texts = load_at(b, root, data, Path(tmp))
        signed = Path(tmp) / "signed-a"
        has_signed = _extract(a, root, "signed", signed)
        return compare(a_ds, b_ds, a_texts, b_texts, _label(label_a), _label(rev_b) if rev_b else WORKTREE,
                       signed / "signed" if has_signed else None, today or dt.date.today())


def version_findings(ds: Dataset, rev: str, data_dir: Path) -> list:
    """RB036 for each routine whose content changed since `rev` while its version did not go up."""
    from .findings import Finding

    root = repo_root(data_dir.resolve())
    rel = str(data_dir.resolve().relative_to(root))
    with tempfile.TemporaryDirectory() as tmp:
        old_ds, old_texts = load_at(resolve(rev, root), root, rel, Path(tmp))
    summary = compare(old_ds, ds, old_texts, {k: v.text for k, v in ds.files.items()}, rev, WORKTREE,
                      None, dt.date.today())
    out = []
    for change in summary.unbumped:
        r = ds.routines[change.routine_id]
        line, col = ds.source_of(r).position(("version",))
        out.append(Finding("RB036", "warning",
                           f"innholdet er endret siden {rev}, men versjonen er fortsatt {r.version}",
                           r.file, line, col, "version", "øk version og skriv en linje i change_log"))
    return out


def cmd_diff(args: argparse.Namespace) -> int:
    try:
        summary = run_diff(args.rev_a, args.rev_b, Path.cwd(), args.data)
    except DiffError as exc:
        print(f"rutinebok diff: {exc}", file=sys.stderr)
        return exc.code
    print(terminal_lines((format_markdown(summary) if args.format == "markdown" else format_text(summary))
                         .rstrip("\n")))
    if args.strict and summary.unbumped:
        print("rutinebok diff: versjonsnummeret er ikke økt for: "
              + ", ".join(r.routine_id for r in summary.unbumped)
              + " (øk version og skriv en linje i change_log)", file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("diff", help="oppsummer hva en endring betyr for rutinene (fra git)",
                       description="Oppsummerer på norsk hva en endring i dataene betyr for leserne: steg, "
                                   "frister, parter, kontakter, møter, lovgrunnlag og signaturer.")
    p.add_argument("rev_a", nargs="?", help="fra revisjon (standard: felles opphav med main)")
    p.add_argument("rev_b", nargs="?", help="til revisjon (standard: arbeidskopien)")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument("--data", default="data", help="datamappen i repositoryet (standard: data)")
    p.add_argument("--strict", action="store_true", help="feil (kode 1) når en endret rutine ikke har fått ny versjon")
    p.set_defaults(handler=cmd_diff)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.diff ...` without the rest of the command line."""
    parser = argparse.ArgumentParser(prog="rutinebok diff")
    sub = parser.add_subparsers(dest="command")
    add_parsers(sub)
    try:
        args = parser.parse_args(["diff", *(argv if argv is not None else sys.argv[1:])])
    except SystemExit as exc:
        return int(exc.code or 0)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
