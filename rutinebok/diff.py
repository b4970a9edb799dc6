"""`rutinebok diff [REV_A] [REV_B]`: what a change alters, in the reader's terms (Norwegian).

Loads data/ at two git revisions (or the working tree) and compares the models, not the
text: steps added, removed, reordered or reworded; deadlines (old → new words); parties,
contacts, meetings, legal references, review dates; signatures the change invalidates;
and whether a routine's version went up. A change to formatting alone is said to be one.
"""

from __future__ import annotations

import argparse
import difflib
import io
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .findings import Report
from .load import Dataset, load_dataset
from .render import SiteOptions, SiteRenderer

WORKTREE = "arbeidskopien"


class DiffError(Exception):
    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


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
        raise DiffError(f"ukjent revisjon «{rev}»") from None


def load_at(rev: str | None, root: Path, data: str, tmp: Path) -> tuple[Dataset, dict[str, str]]:
    """The data set at a revision (None: the working tree) and its files' texts."""
    if rev is None:
        folder = root / data
    else:
        archive = _git(["archive", "--format=tar", rev, "--", data], root)
        folder = tmp / rev[:12] / data
        folder.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder.parent, filter="data")
    report = Report()
    ds = load_dataset(folder, report, display_base=folder.parent)
    if report.errors:
        where = "arbeidskopien" if rev is None else f"revisjon {rev[:12]}"
        first = report.sorted()[0].format()
        raise DiffError(f"dataene i {where} kan ikke leses ({len(report.errors)} feil), f.eks.: {first}", 1)
    texts = {rel: src.text for rel, src in ds.files.items()}
    return ds, texts


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


def _procedures(r) -> dict:
    return {b.procedure.id: b.procedure for _, b in r.walk_blocks() if b.kind == "procedure"}


def _meetings(r) -> dict:
    return {b.meeting.id: b.meeting for _, b in r.walk_blocks() if b.kind == "meeting"}


def _rules(r) -> dict:
    return {b.rule.id: b.rule for _, b in r.walk_blocks() if b.kind == "rule"}


def _step_lines(old_proc, new_proc, old_r: SiteRenderer, new_r: SiteRenderer) -> list[str]:
    title = new_proc.title
    out: list[str] = []
    old_steps, new_steps = old_proc.steps, new_proc.steps
    old_keys = [(s.actor, s.action) for s in old_steps]
    new_keys = [(s.actor, s.action) for s in new_steps]
    if sorted(old_keys) == sorted(new_keys) and old_keys != new_keys:
        out.append(f"Stegene i «{title}» har fått ny rekkefølge.")
        return out
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                o, n = old_steps[i1 + k], new_steps[j1 + k]
                ow, nw = old_r.deadline(o.deadline), new_r.deadline(n.deadline)
                if ow != nw:
                    out.append(f"Frist for steg {j1 + k + 1} i «{title}»: {ow or 'ingen'} → {nw or 'ingen'}.")
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                o, n = old_steps[i1 + k], new_steps[j1 + k]
                num = j1 + k + 1
                if o.actor != n.actor:
                    out.append(f"Steg {num} i «{title}»: utføres nå av {new_r.name(n.actor)} "
                               f"(før: {old_r.name(o.actor)}).")
                if o.action != n.action:
                    out.append(f"Steg {num} i «{title}» er omformulert: «{n.action.strip()}».")
                ow, nw = old_r.deadline(o.deadline), new_r.deadline(n.deadline)
                if ow != nw:
                    out.append(f"Frist for steg {num} i «{title}»: {ow or 'ingen'} → {nw or 'ingen'}.")
            continue
        for k in range(i1, i2):
            s = old_steps[k]
            out.append(f"Steg {k + 1} i «{title}» er fjernet: {old_r.name(s.actor)}: {s.action.strip()}")
        for k in range(j1, j2):
            s = new_steps[k]
            deadline = new_r.deadline(s.deadline)
            out.append(f"Nytt steg {k + 1} i «{title}»: {new_r.name(s.actor)}: {s.action.strip()}"
                       + (f" (frist: {deadline})" if deadline else ""))
    return out


def compare_routine(old, new, old_r: SiteRenderer, new_r: SiteRenderer, signed_dir: Path) -> RoutineChange:
    change = RoutineChange(new.id, new.title)
    if _dump(old) == _dump(new):
        return change
    change.content_changed = {k: v for k, v in _dump(old).items() if k not in ("version", "change_log")} != \
        {k: v for k, v in _dump(new).items() if k not in ("version", "change_log")}
    lines = change.lines
    if old.version != new.version:
        lines.append(f"Versjon: {old.version} → {new.version}.")
    change.version_bumped = new.version > old.version
    if old.status != new.status:
        lines.append(f"Status: {old.status} → {new.status}.")
    for attr, label in (("valid_from", "Gjelder fra"), ("review_by", "Evalueres innen")):
        a, b = getattr(old, attr), getattr(new, attr)
        if a != b:
            lines.append(f"{label}: {old_r.date(a)} → {new_r.date(b)}.")
    for p in new.parties:
        if p not in old.parties:
            lines.append(f"Ny part: {new_r.name(p)}.")
    for p in old.parties:
        if p not in new.parties:
            lines.append(f"{old_r.name(p)} er ikke lenger part.")
    old_procs, new_procs = _procedures(old), _procedures(new)
    for pid, proc in new_procs.items():
        if pid not in old_procs:
            lines.append(f"Ny prosedyre: «{proc.title}» med {len(proc.steps)} steg.")
        else:
            lines.extend(_step_lines(old_procs[pid], proc, old_r, new_r))
    for pid, proc in old_procs.items():
        if pid not in new_procs:
            lines.append(f"Prosedyren «{proc.title}» er fjernet.")
    old_rules, new_rules = _rules(old), _rules(new)
    for rid, rule in new_rules.items():
        o = old_rules.get(rid)
        if o is None:
            lines.append(f"Ny tidsregel: {rule.name}.")
        elif o.value != rule.value or o.starts != rule.starts:
            ow = o.value.words if o.value else old_r.date(o.starts)
            nw = rule.value.words if rule.value else new_r.date(rule.starts)
            lines.append(f"Tidsregelen «{rule.name}»: {ow} → {nw}.")
    old_meet, new_meet = _meetings(old), _meetings(new)
    for mid, m in new_meet.items():
        o = old_meet.get(mid)
        if o is None:
            lines.append(f"Nytt møte: «{m.title}» ({m.frequency.words}).")
        else:
            if o.frequency.words != m.frequency.words:
                lines.append(f"Møtet «{m.title}»: {o.frequency.words} → {m.frequency.words}.")
            if o.convener != m.convener:
                lines.append(f"Møtet «{m.title}» kalles nå inn av {new_r.name(m.convener)} "
                             f"(før: {old_r.name(o.convener)}).")
    for mid, m in old_meet.items():
        if mid not in new_meet:
            lines.append(f"Møtet «{m.title}» er fjernet.")
    old_laws = {(x.law, x.paragraph) for x in old.legal_basis}
    new_laws = {(x.law, x.paragraph) for x in new.legal_basis}
    for law, para in sorted(new_laws - old_laws, key=str):
        lines.append(f"Nytt lovgrunnlag: {new_r.name(law)}{' ' + para if para else ''}.")
    for law, para in sorted(old_laws - new_laws, key=str):
        lines.append(f"Lovgrunnlag fjernet: {old_r.name(law)}{' ' + para if para else ''}.")
    if change.content_changed and not lines:
        labels = {"sections": "teksten i avsnittene", "signing": "signeringen", "summary": "sammendraget",
                  "title": "tittelen", "attachments": "vedleggene", "governing_documents": "styringsdokumentene",
                  "approved": "vedtaket", "owner": "eieren", "external_actors": "eksterne aktører"}
        old_d, new_d = _dump(old), _dump(new)
        changed = [labels.get(k, k) for k in new_d if k not in ("version", "change_log") and old_d.get(k) != new_d[k]]
        lines.append("Endret: " + ", ".join(changed) + ".")
    if change.content_changed:
        signers = [s.party for s in old.signing.signatories] if old.signing else []
        copies = sorted(p.name for p in (signed_dir / new.id).glob("*.pdf")) if (signed_dir / new.id).is_dir() else []
        for party in signers:
            lines.append(f"{old_r.name(party)} har signert versjon {old.version}; endringen krever nye signaturer.")
        for copy in copies:
            lines.append(f"Den signerte kopien {copy} gjelder en eldre versjon; endringen krever nye signaturer.")
        if not change.version_bumped:
            lines.append(f"Versjonsnummeret er ikke økt (fortsatt {new.version}); øk version og skriv i change_log.")
    return change


def _contact_words(c) -> str:
    return c.phone or c.email or c.web or c.address or c.label


def compare(a_ds: Dataset, b_ds: Dataset, a_texts: dict, b_texts: dict, a: str, b: str, signed_dir: Path,
            today) -> Summary:
    summary = Summary(a, b)
    old_r = SiteRenderer(a_ds, [], SiteOptions(today=today))
    new_r = SiteRenderer(b_ds, [], SiteOptions(today=today))
    for rid in sorted(set(a_ds.routines) | set(b_ds.routines)):
        old, new = a_ds.routines.get(rid), b_ds.routines.get(rid)
        if old is None:
            summary.routines.append(RoutineChange(rid, new.title, [f"Ny rutine: «{new.title}»."], True, True))
        elif new is None:
            summary.routines.append(RoutineChange(rid, old.title, [f"Rutinen «{old.title}» er fjernet."], True, True))
        else:
            change = compare_routine(old, new, old_r, new_r, signed_dir)
            if change.lines:
                summary.routines.append(change)
    for oid in sorted(set(a_ds.organisations) | set(b_ds.organisations)):
        old, new = a_ds.organisations.get(oid), b_ds.organisations.get(oid)
        if old is None:
            summary.organisations.append(f"Ny organisasjon: {new.name}.")
            continue
        if new is None:
            summary.organisations.append(f"Organisasjonen {old.name} er fjernet.")
            continue
        oc = {c.id: c for c in old.contacts}
        nc = {c.id: c for c in new.contacts}
        for cid, c in nc.items():
            if cid not in oc:
                summary.organisations.append(f"{new.name}: ny kontakt «{c.label}»: {_contact_words(c)}.")
            elif _dump(oc[cid]) != _dump(c):
                summary.organisations.append(f"{new.name}: «{c.label}» endret: {_contact_words(oc[cid])} → "
                                             f"{_contact_words(c)}.")
        for cid, c in oc.items():
            if cid not in nc:
                summary.organisations.append(f"{old.name}: kontakten «{c.label}» ({_contact_words(c)}) er fjernet.")
    for kind, label in (("roles", "rolle"), ("laws", "lov"), ("documents", "dokument"), ("trees", "veiviser")):
        a_items, b_items = getattr(a_ds, kind), getattr(b_ds, kind)
        for key in sorted(set(a_items) | set(b_items)):
            old, new = a_items.get(key), b_items.get(key)
            if old is None:
                summary.other.append(f"Ny {label}: {key}.")
            elif new is None:
                summary.other.append(f"{label.capitalize()} fjernet: {key}.")
            elif _dump(old) != _dump(new):
                summary.other.append(f"Endret {label}: {key}.")
    models_equal = not (summary.routines or summary.organisations or summary.other)
    if models_equal:
        a_inner = {"/".join(Path(k).parts[-2:]): v for k, v in a_texts.items()}
        b_inner = {"/".join(Path(k).parts[-2:]): v for k, v in b_texts.items()}
        summary.formatting_only = a_inner != b_inner
        summary.no_change = not summary.formatting_only
    return summary


def format_text(s: Summary) -> str:
    lines = [f"Endringer fra {s.a} til {s.b}:"]
    if s.no_change:
        return lines[0] + "\nIngen endringer i dataene."
    if s.formatting_only:
        return lines[0] + "\nBare formatering er endret; innholdet er det samme."
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


def format_markdown(s: Summary) -> str:
    lines = [f"### Hva endringen betyr ({s.a} → {s.b})", ""]
    if s.no_change:
        return "\n".join(lines + ["Ingen endringer i dataene."])
    if s.formatting_only:
        return "\n".join(lines + ["Bare formatering er endret; innholdet er det samme."])
    for r in s.routines:
        lines += [f"**{r.title}** (`{r.routine_id}`)", ""] + [f"- {x}" for x in r.lines] + [""]
    if s.organisations:
        lines += ["**Kontakter og organisasjoner**", ""] + [f"- {x}" for x in s.organisations] + [""]
    if s.other:
        lines += ["**Annet**", ""] + [f"- {x}" for x in s.other] + [""]
    if s.unbumped:
        lines += ["> **Versjonsnummeret må økes** for: " + ", ".join(f"`{r.routine_id}`" for r in s.unbumped)]
    return "\n".join(lines).rstrip() + "\n"


def run_diff(rev_a: str | None, rev_b: str | None, cwd: Path, data: str = "data"):
    import datetime as dt

    root = repo_root(cwd)
    if rev_a is None:
        try:
            rev_a = _git(["merge-base", "HEAD", "main"], root).decode().strip()
        except DiffError:
            rev_a = "HEAD"
    a = resolve(rev_a, root)
    b = resolve(rev_b, root) if rev_b else None
    with tempfile.TemporaryDirectory() as tmp:
        a_ds, a_texts = load_at(a, root, data, Path(tmp))
        b_ds, b_texts = load_at(b, root, data, Path(tmp))
        return compare(a_ds, b_ds, a_texts, b_texts, rev_a if rev_a else a[:12], rev_b or WORKTREE,
                       root / "signed", dt.date.today())


def version_findings(ds: Dataset, rev: str, data_dir: Path) -> list:
    """RB036 for each routine whose content changed since `rev` while its version did not go up."""
    import datetime as dt

    from .findings import Finding

    root = repo_root(data_dir.resolve())
    rel = str(data_dir.resolve().relative_to(root))
    with tempfile.TemporaryDirectory() as tmp:
        old_ds, old_texts = load_at(resolve(rev, root), root, rel, Path(tmp))
    summary = compare(old_ds, ds, old_texts, {k: v.text for k, v in ds.files.items()}, rev, WORKTREE,
                      root / "signed", dt.date.today())
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
    print(format_markdown(summary) if args.format == "markdown" else format_text(summary))
    if args.strict and summary.unbumped:
        print("Versjonsnummeret er ikke økt for: " + ", ".join(r.routine_id for r in summary.unbumped),
              file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("diff", help="oppsummer hva en endring betyr for rutinene (fra git)")
    p.add_argument("rev_a", nargs="?", help="fra revisjon (standard: felles opphav med main)")
    p.add_argument("rev_b", nargs="?", help="til revisjon (standard: arbeidskopien)")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.add_argument("--data", default="data", help="datamappen i repositoryet")
    p.add_argument("--strict", action="store_true", help="feil når en endret rutine ikke har fått ny versjon")
    p.set_defaults(handler=cmd_diff)
