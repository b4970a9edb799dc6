"""The comparison: two loaded data sets -> the lines of a change summary.

Every kind of item (sections, procedures, steps' neighbours, rules, meetings, parties,
contacts, laws, sources, glossary words, tree nodes) is matched by one function, `keyed`,
which pairs the two versions by key and says what was added, removed or changed; field words
come from the model's titles (labels.py).
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..index import Index
from ..load import Dataset
from ..model import BLOCK_KINDS, Block, Organisation, Routine
from ..words import date_words
from .labels import changed_fields, label, title

# Routine fields that record what happened to the text (signing, approval, status, the log),
# not the text itself: changing them needs neither a new version nor new signatures.
RECORD_FIELDS = ("version", "change_log", "signing", "approved", "status")

# Blocks compared one by one elsewhere (with their own lines), not as section text.
DETAILED_BLOCKS = ("procedure", "meeting", "rule")
# Fields named in change lines by their model titles (labels.py), in the order they are listed.
MEETING_FIELDS = ("agenda", "tasks", "description", "participants_note", "title")
ORG_FIELDS = ("name", "short_name", "kind", "legal_form", "part_of", "serves_note", "ended_on", "replaced_by")
ORG_LISTS = ("owned_by", "serves", "reviewers")
CONTACT_FIELDS = ("label", "phone", "email", "web", "address", "opening_hours", "note", "as_of", "source")

STATUS_WORDS = {"utkast": "utkast", "gjeldende": "gjeldende", "til-revisjon": "til revisjon", "utgått": "utgått"}


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


@dataclass
class Change:
    """One item in two versions, matched by key: `old` is None when it was added, `new` when removed."""

    key: Any
    old: Any
    new: Any

    @property
    def status(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed" if _value(self.old) != _value(self.new) else "same"


def _value(x: Any) -> Any:
    return _dump(x) if hasattr(x, "model_dump") else x


def keyed(old, new, key=None, *, sort: bool = False) -> list[Change]:
    """The items of two versions (dicts, or lists with `key` giving each item's key) paired by key:
    in the new version's order followed by the removed ones in the old order, or all keys sorted
    (`sort`). Each pair says whether the item was added, removed, changed or is the same."""
    o = old if isinstance(old, dict) else {(key(x) if key else x): x for x in old}
    n = new if isinstance(new, dict) else {(key(x) if key else x): x for x in new}
    keys = sorted(set(o) | set(n)) if sort else [*n, *(k for k in o if k not in n)]
    return [Change(k, o.get(k), n.get(k)) for k in keys]


def _added_removed(old: list, new: list) -> tuple[list, list]:
    changes = keyed(old, new)
    return ([c.new for c in changes if c.status == "added"], [c.old for c in changes if c.status == "removed"])


def _one_line(text: str | None, limit: int = 240) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Names:
    """Reader's words for ids and values in one data set; never fails on a dangling id."""

    def __init__(self, ds: Dataset, today: dt.date):
        self.index = Index(ds)
        self.ds = ds

    def name(self, ref: str | None) -> str:
        if not ref:
            return "ingen"
        try:
            return self.index.name(ref)
        except (KeyError, StopIteration):
            return ref

    def names(self, refs) -> str:
        return ", ".join(self.name(x) for x in refs) or "ingen"

    def deadline(self, d) -> str:
        try:
            return self.index.deadline(d) or "ingen"
        except (KeyError, AttributeError, ValueError):  # a rule that no longer exists: the value as written
            return "ingen" if d is None else str(_dump(d))

    @staticmethod
    def date(value) -> str:
        return date_words(value) if value else "ikke oppgitt"


def _blocks(r, kind: str) -> dict:
    return {getattr(b, kind).id: getattr(b, kind) for _, b in r.walk_blocks() if b.kind == kind}


def _sections(r) -> dict:
    return {s.id: s for _, s in r.walk_sections()}


def _step_lines(old_proc, new_proc, old: _Names, new: _Names) -> list[str]:  # noqa: C901 - one matching pass over two step lists
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
    old_no, new_no = old_r.clause_numbers(), new_r.clause_numbers()
    text_kinds = [k for k in BLOCK_KINDS if k not in DETAILED_BLOCKS]
    for c in keyed(_sections(old_r), _sections(new_r)):
        sid, o, s = c.key, c.old, c.new
        if c.status == "added":
            out.append(f"Nytt avsnitt, punkt {new_no[sid]}: «{s.title}».")
            continue
        if c.status == "removed":
            out.append(f"Avsnittet «{o.title}» (tidligere punkt {old_no[sid]}) er fjernet.")
            continue
        moved = f" (før punkt {old_no[sid]})" if old_no.get(sid) != new_no[sid] else ""
        if o.title != s.title:
            out.append(f"Avsnittet «{o.title}» (punkt {new_no[sid]}){moved} heter nå «{s.title}».")
        elif moved:
            out.append(f"Avsnittet «{s.title}» er nå punkt {new_no[sid]}{moved}.")
        changed = []
        for kind in text_kinds:
            before = [_value(getattr(b, kind)) for b in o.blocks if b.kind == kind]
            after = [_value(getattr(b, kind)) for b in s.blocks if b.kind == kind]
            if before != after:
                changed.append(label(Block, kind))
        if changed:
            out.append(f"Avsnittet «{s.title}» (punkt {new_no[sid]}): endret "
                       f"{' og '.join(changed) if len(changed) < 3 else ', '.join(changed)}.")
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

        from ..sign import FIELD_PREFIX  # signature fields are named party-<organisation-id>
        from ..sign.reading import guard_comments

        guard_comments()  # a copy under signed/ is untrusted: a crafted comment must not hang the diff

        with pdf.open("rb") as f:
            reader = PdfFileReader(f, strict=False)
            return [name.removeprefix(FIELD_PREFIX) for name, value, _ in enumerate_sig_fields(reader)
                    if name.startswith(FIELD_PREFIX) and value is not None]
    except Exception:  # noqa: BLE001 - pyHanko raises many kinds; an unreadable copy is named by file
        return None


def compare_routine(old, new, a: _Names, b: _Names, signed_copies: list[Path]) -> RoutineChange:
    """The lines for one routine: its record, its people, its text, its references, and the
    signatures the change makes void."""
    change = RoutineChange(new.id, new.title)
    old_d, new_d = _dump(old), _dump(new)
    if old_d == new_d:
        # The routine is the same, but a checklist it answers to may have changed under it.
        change.lines += coverage_lines(old, new, a, b)
        return change
    change.content_changed = _agreed(old_d) != _agreed(new_d)
    change.version_bumped = new.version > old.version
    lines = change.lines
    lines += _record_lines(old, new, a, b)
    lines += _people_lines(old, new, a, b)
    lines += _signing_lines(old.signing, new.signing, b)
    lines += _section_lines(old, new)
    lines += _procedure_lines(old, new, a, b)
    lines += _rule_lines(old, new, a, b)
    lines += _meeting_lines(old, new, a, b)
    lines += _reference_lines(old, new, a, b)
    lines += coverage_lines(old, new, a, b)
    if change.content_changed and not lines:  # a field not described above
        changed = [k for k in new_d if k not in RECORD_FIELDS and old_d.get(k) != new_d[k]]
        lines.append("Endret: " + ", ".join(changed) + ".")
    if change.content_changed:
        lines += _void_signature_lines(old, new, a, signed_copies, change.version_bumped)
    return change


def _record_lines(old, new, a: _Names, b: _Names) -> list[str]:
    """Version, change log, status, dates, title and summary."""
    lines = []
    if old.version != new.version:
        lines.append(f"Versjon: {old.version} → {new.version}.")
    old_log = {(e.version, e.summary) for e in old.change_log}
    for entry in new.change_log:
        if (entry.version, entry.summary) not in old_log:
            lines.append(f"Endringslogg, versjon {entry.version}: {_one_line(entry.summary)}")
    if old.status != new.status:
        lines.append(f"Status: {STATUS_WORDS[old.status]} → {STATUS_WORDS[new.status]}.")
    for attr in ("valid_from", "review_by"):
        x, y = getattr(old, attr), getattr(new, attr)
        if x != y:
            lines.append(f"{title(Routine, attr)}: {a.date(x)} → {b.date(y)}.")
    if (old.period and old.period.words) != (new.period and new.period.words):
        lines.append(f"Planperiode: {old.period.words if old.period else 'ingen'} → "
                     f"{new.period.words if new.period else 'ingen'}.")
    if old.title != new.title:
        lines.append(f"Ny tittel (før: «{old.title}»).")
    if old.summary != new.summary:
        lines.append("Sammendraget er endret.")
    return lines


def _people_lines(old, new, a: _Names, b: _Names) -> list[str]:
    """Owner, parties, external actors and approval."""
    lines = []
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
    return lines


def _procedure_lines(old, new, a: _Names, b: _Names) -> list[str]:
    lines = []
    for c in keyed(_blocks(old, "procedure"), _blocks(new, "procedure")):
        if c.status == "added":
            lines.append(f"Ny prosedyre: «{c.new.title}» med {len(c.new.steps)} steg.")
        elif c.status == "removed":
            lines.append(f"Prosedyren «{c.old.title}» er fjernet.")
        else:  # also when the same: a step's deadline words follow a time rule stated elsewhere
            lines.extend(_step_lines(c.old, c.new, a, b))
    return lines


def _rule_lines(old, new, a: _Names, b: _Names) -> list[str]:
    lines = []
    for c in keyed(_blocks(old, "rule"), _blocks(new, "rule")):
        o, rule = c.old, c.new
        if c.status == "added":
            lines.append(f"Ny tidsregel: «{rule.name}» ({_rule_words(rule, b)}).")
            continue
        if c.status == "removed":
            lines.append(f"Tidsregelen «{o.name}» er fjernet.")
            continue
        if _rule_words(o, a) != _rule_words(rule, b):
            lines.append(f"Tidsregelen «{rule.name}»: {_rule_words(o, a)} → {_rule_words(rule, b)}.")
        if o.applies_to != rule.applies_to:
            lines.append(f"Tidsregelen «{rule.name}» gjelder nå for {b.names(rule.applies_to)} "
                         f"(før: {a.names(o.applies_to)}).")
        if _one_line(o.text) != _one_line(rule.text) or o.name != rule.name:
            lines.append(f"Teksten til tidsregelen «{rule.name}» er endret.")
    return lines


def _meeting_lines(old, new, a: _Names, b: _Names) -> list[str]:
    lines = []
    for c in keyed(_blocks(old, "meeting"), _blocks(new, "meeting")):
        o, m = c.old, c.new
        if c.status == "added":
            lines.append(f"Nytt møte: «{m.title}» ({m.frequency.words}, kalles inn av {b.name(m.convener)}).")
            continue
        if c.status == "removed":
            lines.append(f"Møtet «{o.title}» er fjernet.")
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
        rest = changed_fields(o, m, MEETING_FIELDS)
        if rest:
            lines.append(f"Møtet «{m.title}»: endret {', '.join(rest)}.")
    return lines


def _reference_lines(old, new, a: _Names, b: _Names) -> list[str]:
    """Legal basis, governing documents and attachments."""
    lines = []
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
    added, removed = _added_removed([d.document for d in old.governing_documents],
                                    [d.document for d in new.governing_documents])
    lines += [f"Nytt styringsdokument: {_doc_title(b.ds, d)}." for d in added]
    lines += [f"Styringsdokument fjernet: {_doc_title(a.ds, d)}." for d in removed]
    added, removed = _added_removed([x.title for x in old.attachments], [x.title for x in new.attachments])
    lines += [f"Nytt vedlegg: «{t}»." for t in added]
    lines += [f"Vedlegg fjernet: «{t}»." for t in removed]
    return lines


def _void_signature_lines(old, new, a: _Names, signed_copies: list[Path], bumped: bool) -> list[str]:
    """Who has signed what the change makes void, and a missing version bump."""
    lines = []
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
    if not bumped:
        lines.append(f"Versjonsnummeret er ikke økt (fortsatt {new.version}); øk version og skriv i change_log.")
    return lines


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
    from ..coverage import STATUS_WORDS as COVER_WORDS
    from ..coverage import routine_coverage

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


def _org_lines(old, new, a: _Names, b: _Names) -> list[str]:
    out = []
    who = new.short_name or new.name
    for key in ORG_FIELDS:
        x, y = getattr(old, key), getattr(new, key)
        if x != y:
            if isinstance(x, dt.date) or isinstance(y, dt.date):
                x, y = (a.date(x) if x else "ingen"), (b.date(y) if y else "ingen")
            out.append(f"{who}: {label(Organisation, key)} {x or 'ingen'} → {y or 'ingen'}.")
    for key in ORG_LISTS:
        added, removed = _added_removed(getattr(old, key), getattr(new, key))
        if added or removed:
            parts = ([f"lagt til {b.names(added) if key != 'reviewers' else ', '.join(added)}"] if added else []) + \
                    ([f"fjernet {a.names(removed) if key != 'reviewers' else ', '.join(removed)}"] if removed else [])
            out.append(f"{who}: {label(Organisation, key)}: {'; '.join(parts)}.")
    if old.description != new.description:
        out.append(f"{who}: beskrivelsen er endret.")
    for c in keyed(old.contacts, new.contacts, key=lambda x: x.id):
        cid, o, n = c.key, c.old, c.new
        if c.status == "added":
            out.append(f"{new.name}: ny kontakt «{n.label}»: {_contact_words(n)}.")
        elif c.status == "removed":
            out.append(f"{old.name}: kontakten «{o.label}» ({_contact_words(o)}) er fjernet"
                       f"{_used_in(a.ds, f'{old.id}/{cid}')}.")
        elif c.status == "changed":
            shown = _used_in(b.ds, f"{new.id}/{cid}")
            if _contact_words(o) != _contact_words(n):
                out.append(f"{new.name}: «{n.label}» endret: {_contact_words(o)} → {_contact_words(n)}{shown}.")
            else:
                out.append(f"{new.name}: «{n.label}»: endret {', '.join(changed_fields(o, n, CONTACT_FIELDS))}{shown}.")
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
    for kind, word, name in kinds:
        for c in keyed(a_ds.by_kind(kind), b_ds.by_kind(kind), sort=True):
            if c.status == "added":
                out.append(f"Ny {word}: «{name(c.new)}».")
            elif c.status == "removed":
                out.append(f"{word.capitalize()} fjernet: «{name(c.old)}».")
            elif c.status == "changed":
                out.extend(_item_lines(kind, word, c.old, c.new, name, a_ds, b_ds, b))
    out += _glossary_lines(a_ds.glossary, b_ds.glossary)
    for c in keyed(a_ds.sources.sources if a_ds.sources else [], b_ds.sources.sources if b_ds.sources else [],
                   key=lambda x: x.id, sort=True):
        if c.status == "added":
            out.append(f"Ny kilde: «{c.new.title}».")
        elif c.status == "removed":
            out.append(f"Kilde fjernet: «{c.old.title}».")
        elif c.status == "changed":
            out.append(f"Endret kilde: «{c.new.title}».")
    return out


def _item_lines(kind, word, old, new, name, a_ds, b_ds, b: _Names) -> list[str]:
    if kind == "laws":
        out = []
        old_changes = {(p.id, c.date, c.kind) for p in old.paragraphs for c in p.changes}
        for p in new.paragraphs:
            for c in p.changes:
                if (p.id, c.date, c.kind) not in old_changes:
                    cited = _routines_citing(b_ds, new.id)
                    out.append(f"{name(new)} {p.id}: {c.kind} {b.date(c.date)}"
                               + (f" (lovgrunnlag for {', '.join(f'«{t}»' for t in cited)})" if cited else "") + ".")
        if old.repealed_on != new.repealed_on:
            out.append(f"{name(new)}: opphevet {b.date(new.repealed_on) if new.repealed_on else 'ikke lenger'}.")
        return out or [f"Endret lov: «{name(new)}»."]
    if kind == "trees":
        nodes = keyed(old.nodes, new.nodes, key=lambda x: x.id)
        parts = []
        for status, word_ in (("added", "ny"), ("changed", "endret"), ("removed", "fjernet")):
            found = [_node_words(c.new or c.old) for c in nodes if c.status == status]
            if found:
                parts.append(f"{word_} " + _some(found))
        if old.start != new.start:
            parts.append("nytt første spørsmål")
        return [f"Veiviseren «{name(new)}»: " + ("; ".join(parts) or "endret") + "."]
    return [f"Endret {word}: «{name(new)}»."]


def _node_words(node) -> str:
    if node.outcome is not None:
        return f"utfallet «{_one_line(node.outcome.title)}»"
    return f"spørsmålet «{_one_line(node.question)}»"


def _some(items: list[str], n: int = 4) -> str:
    if len(items) <= n:
        return ", ".join(items[:-1]) + (" og " if len(items) > 1 else "") + items[-1]
    return ", ".join(items[:n]) + f" og {len(items) - n} til"


def _glossary_lines(old_g, new_g) -> list[str]:
    old_t = old_g.terms if old_g else []
    new_t = new_g.terms if new_g else []
    if not old_t and new_t:
        return [f"Ny ordliste med {len({t.term for t in new_t})} ord."]
    if old_t and not new_t:
        return ["Ordlisten er fjernet."]
    out = []
    for c in keyed(old_t, new_t, key=lambda t: t.term, sort=True):
        if c.status == "added":
            out.append(f"Ordlisten: nytt ord «{c.key}».")
        elif c.status == "removed":
            out.append(f"Ordlisten: «{c.key}» er fjernet.")
        elif c.status == "changed":
            out.append(f"Ordlisten: forklaringen av «{c.key}» er endret.")
    return out


def compare(a_ds: Dataset, b_ds: Dataset, a_texts: dict, b_texts: dict, a: str, b: str, signed_dir: Path | None,
            today: dt.date) -> Summary:
    """The summary of what changed from a_ds to b_ds. `signed_dir` holds signed/<routine-id>/*.pdf
    as they were at `a` (the copies a change invalidates)."""
    summary = Summary(a, b)
    old_n, new_n = _Names(a_ds, today), _Names(b_ds, today)
    for c in keyed(a_ds.routines, b_ds.routines, sort=True):
        rid, old, new = c.key, c.old, c.new
        if c.status == "added":
            summary.routines.append(RoutineChange(rid, new.title, [f"Ny rutine: «{new.title}»."], True, True))
        elif c.status == "removed":
            summary.routines.append(RoutineChange(rid, old.title, [f"Rutinen «{old.title}» er fjernet."], True, True))
        else:
            folder = signed_dir / rid if signed_dir else None
            copies = sorted(folder.glob("*.pdf")) if folder and folder.is_dir() else []
            change = compare_routine(old, new, old_n, new_n, copies)
            if change.lines:
                summary.routines.append(change)
    for c in keyed(a_ds.organisations, b_ds.organisations, sort=True):
        if c.status == "added":
            summary.organisations.append(f"Ny organisasjon: {c.new.name}.")
        elif c.status == "removed":
            summary.organisations.append(f"Organisasjonen {c.old.name} er fjernet.")
        elif c.status == "changed":
            summary.organisations.extend(_org_lines(c.old, c.new, old_n, new_n))
    summary.other = _other_lines(a_ds, b_ds, old_n, new_n)
    if not (summary.routines or summary.organisations or summary.other):
        a_inner = {"/".join(Path(k).parts[-2:]): v for k, v in a_texts.items()}
        b_inner = {"/".join(Path(k).parts[-2:]): v for k, v in b_texts.items()}
        summary.formatting_only = a_inner != b_inner
        summary.no_change = not summary.formatting_only
    return summary


