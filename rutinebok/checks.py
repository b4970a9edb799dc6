"""Checks across files: references, parties and signatories, dates, deadlines, rules, laws.

Each check yields Findings with a stable code (findings.CODES) and the position of the
value it is about. `today` is a parameter so results are reproducible.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from . import safefiles
from .escape import image_file, markdown_targets, url_scheme_text, url_verdict
from .findings import Finding, did_you_mean
from .load import Dataset, SourceFile
from .model import KIND_WORDS, SIGNABLE_KINDS, Deadline, Duration, Routine
from .words import date_words

STALE_CONTACT_YEARS = 3
KIND_WORDS = {"organisations": "organisasjon", "roles": "rolle", "routines": "rutine",
              "laws": "lov", "documents": "dokument", "trees": "veiviser"}
_LINK = re.compile(r"^@([a-z0-9][a-z0-9-]*)(?:#([a-z0-9][a-z0-9-]*))?$")


class Checker:
    def __init__(self, ds: Dataset, today: dt.date):
        self.ds = ds
        self.today = today
        self.out: list[Finding] = []
        self.orgs = ds.organisations
        self.roles = ds.roles
        self.actors = {**ds.organisations, **ds.roles}
        self.ids = ds.ids()
        self.source_ids = {s.id for s in ds.sources.sources} if ds.sources else set()
        self.rules: dict[str, tuple] = {}  # rule id -> (routine, path, rule) of first statement
        for routine in ds.routines.values():
            for path, block in routine.walk_blocks():
                if block.rule is not None and block.rule.id not in self.rules:
                    self.rules[block.rule.id] = (routine, path + ("rule",), block.rule)

    # ------------------------------------------------------------------ helpers

    def add(self, src: SourceFile, code: str, severity: str, path: tuple, message: str,
            hint: str = "") -> None:
        self.out.append(src.finding(code, severity, path, message, hint))

    def ref(self, src: SourceFile, path: tuple, value: str, pool: dict, what: str) -> bool:
        """Check that `value` names something in `pool`; report RB010 with suggestions if not."""
        if value in pool:
            return True
        if value in self.ids:
            self.add(src, "RB029", "error", path,
                     f"«{value}» finnes, men er en annen slags ting ({KIND_WORDS[self.ids[value]]}), ikke {what}")
            return False
        self.add(src, "RB010", "error", path, f"ukjent {what} «{value}»",
                 did_you_mean(value, pool) or f"ingen {what} med den id-en finnes")
        return False

    def actor(self, src: SourceFile, path: tuple, value: str) -> bool:
        if "/" in value:
            return self.contact(src, path, value)
        return self.ref(src, path, value, self.actors, "rolle eller organisasjon")

    def contact(self, src: SourceFile, path: tuple, value: str) -> bool:
        org_id, _, contact_id = value.partition("/")
        if not self.ref(src, path, org_id, self.orgs, "organisasjon"):
            return False
        ids = [c.id for c in self.orgs[org_id].contacts]
        if contact_id and contact_id not in ids:
            self.add(src, "RB010", "error", path, f"{org_id} har ikke kontaktpunktet «{contact_id}»",
                     did_you_mean(contact_id, ids) or ("kontaktpunkter: " + ", ".join(ids) if ids else
                                                       f"{org_id} har ingen kontaktpunkter"))
            return False
        return True

    def source(self, src: SourceFile, path: tuple, source_ref) -> None:
        if source_ref is not None and self.ds.sources is not None:
            self.ref(src, path + ("document",), source_ref.document,
                     dict.fromkeys(self.source_ids), "kilde")

    def unique(self, src: SourceFile, items: Iterable[tuple[tuple, str]], what: str) -> None:
        seen: dict[str, tuple] = {}
        for path, key in items:
            if key in seen:
                self.add(src, "RB011", "error", path, f"{what} «{key}» finnes to ganger",
                         "id-er må være unike")
            else:
                seen[key] = path

    # ------------------------------------------------------------------ entities

    def check_sources(self) -> None:
        if self.ds.sources is None:
            return
        src = self.ds.source_of(self.ds.sources)
        self.unique(src, ((("sources", i, "id"), s.id) for i, s in enumerate(self.ds.sources.sources)), "kilden")

    def check_glossary(self) -> None:
        if self.ds.glossary is None:
            return
        src = self.ds.source_of(self.ds.glossary)
        self.unique(src, ((("terms", i, "term"), t.term) for i, t in enumerate(self.ds.glossary.terms)), "ordet")
        for i, term in enumerate(self.ds.glossary.terms):
            self.source(src, ("terms", i, "source"), term.source)

    def check_organisation(self, org) -> None:
        src = self.ds.source_of(org)
        for field in ("owned_by", "serves"):
            for i, ref in enumerate(getattr(org, field)):
                self.ref(src, (field, i), ref, self.orgs, "organisasjon")
        for field in ("part_of", "replaced_by"):
            if getattr(org, field):
                self.ref(src, (field,), getattr(org, field), self.orgs, "organisasjon")
        self.source(src, ("source",), org.source)
        self.unique(src, ((("contacts", i, "id"), c.id) for i, c in enumerate(org.contacts)), "kontaktpunktet")
        for i, c in enumerate(org.contacts):
            self.source(src, ("contacts", i, "source"), c.source)
            if c.as_of and (self.today - c.as_of).days > 365 * STALE_CONTACT_YEARS:
                self.add(src, "RB023", "warning", ("contacts", i, "as_of"),
                         f"«{c.label}» er sist bekreftet {date_words(c.as_of)}",
                         "kontroller opplysningen mot en ny kilde og oppdater as_of")
        if org.ended_source is not None:
            self.source(src, ("ended_source",), org.ended_source)
        elif org.ended_on is not None:
            # A merger or a new name is a fact like any other: without a cited source it stays flagged.
            self.add(src, "RB023", "warning", ("ended_on",), f"kilden for at {org.name} opphørte er ikke oppgitt",
                     "legg inn ended_source med en offentlig kilde (Lovdata, regjeringen.no)")
        if org.ended_on is None and not any(c.phone for c in org.contacts):
            self.add(src, "RB023", "warning", ("contacts",), f"{org.name} har ikke noe telefonnummer registrert",
                     "legg inn nummeret med kilde når en offentlig kilde oppgir det; gjett aldri")

    def check_role(self, role) -> None:
        src = self.ds.source_of(role)
        for i, ref in enumerate(role.organisations):
            self.ref(src, ("organisations", i), ref, self.orgs, "organisasjon")
        if role.part_of and self.ref(src, ("part_of",), role.part_of, self.roles, "rolle"):
            seen, cur = {role.id}, self.roles[role.part_of]
            while cur is not None:
                if cur.id in seen:
                    self.add(src, "RB010", "error", ("part_of",), f"rollen «{role.name}» er en del av seg selv "
                             "gjennom part_of", "fjern part_of i en av rollene")
                    break
                seen.add(cur.id)
                cur = self.roles.get(cur.part_of) if cur.part_of else None
        self.source(src, ("source",), role.source)

    def check_law(self, law) -> None:
        src = self.ds.source_of(law)
        self.source(src, ("source",), law.source)
        if not law.official_id:
            self.add(src, "RB023", "warning", ("official_id",), f"Lovdata-id for «{law.title}» er ukjent",
                     "slå opp id-en på lovdata.no og legg den inn")
        self.unique(src, ((("paragraphs", i, "id"), p.id) for i, p in enumerate(law.paragraphs)), "paragrafen")
        for i, p in enumerate(law.paragraphs):
            for j, change in enumerate(p.changes):
                self.source(src, ("paragraphs", i, "changes", j, "source"), change.source)
                if change.see:
                    self.ref(src, ("paragraphs", i, "changes", j, "see"), change.see, self.ds.laws, "lov")

    def check_document(self, doc) -> None:
        src = self.ds.source_of(doc)
        self.source(src, ("source",), doc.source)
        self.unique(src, ((("measures", i, "number"), m.number) for i, m in enumerate(doc.measures)), "tiltaket")

    # ------------------------------------------------------------------ routines

    def check_routine(self, r: Routine) -> None:
        src = self.ds.source_of(r)
        self.source(src, ("source",), r.source)
        if r.owner:
            self.ref(src, ("owner",), r.owner, self.orgs, "organisasjon")
        parties = []
        for i, p in enumerate(r.parties):
            if self.ref(src, ("parties", i), p, self.orgs, "organisasjon"):
                parties.append(self.orgs[p])
        for i, a in enumerate(r.external_actors):
            self.actor(src, ("external_actors", i), a)
        self.unique(src, ((("parties", i), p) for i, p in enumerate(r.parties)), "parten")
        self.check_dates(r, src)
        self.check_signing(r, src)
        self.check_legal(r, src)
        for i, d in enumerate(r.governing_documents):
            path = ("governing_documents", i)
            if self.ref(src, path + ("document",), d.document, self.ds.documents, "styringsdokument"):
                doc = self.ds.documents[d.document]
                numbers = [m.number for m in doc.measures]
                for j, m in enumerate(d.measures):
                    if m not in numbers:
                        self.add(src, "RB010", "error", path + ("measures", j),
                                 f"«{doc.title}» har ikke tiltak nr. {m}",
                                 did_you_mean(m, numbers) or "legg tiltaket inn i dokumentets measures")
                if doc.superseded:
                    self.add(src, "RB025", "warning", path + ("document",),
                             f"rutinen bygger på «{doc.title}», som er erstattet",
                             doc.superseded_note or "vis til det nye dokumentet")
        self.unique(src, ((("attachments", i, "id"), a.id) for i, a in enumerate(r.attachments)), "vedlegget")
        self.check_blocks(r, src, parties)
        versions = [c.version for c in r.change_log]
        if versions and max(versions) != r.version:
            self.add(src, "RB009", "error", ("version",),
                     f"versjon {r.version} stemmer ikke med endringsloggen (høyeste versjon der er {max(versions)})",
                     "legg til en linje i change_log for den nye versjonen")

    def check_dates(self, r: Routine, src: SourceFile) -> None:
        if r.valid_from and r.review_by and r.review_by <= r.valid_from:
            self.add(src, "RB015", "error", ("review_by",),
                     f"revisjonsdatoen {date_words(r.review_by)} er ikke etter at rutinen trer i kraft "
                     f"({date_words(r.valid_from)})", "en rutine må gjelde en stund før den revideres")
        if r.status == "utgått":
            return
        if r.review_by and r.review_by < self.today:
            years = (self.today - r.review_by).days // 365
            ago = f", for {years} år siden" if years >= 1 else ""
            self.add(src, "RB012", "warning", ("review_by",),
                     f"rutinen skulle vært evaluert innen {date_words(r.review_by)}{ago}",
                     "evaluer rutinen og sett ny review_by, eller sett status: utgått")
        if r.period and r.period.last_year < self.today.year:
            self.add(src, "RB013", "warning", ("period", "last_year"),
                     f"planperioden {r.period.words} er over", "lag en ny plan, eller sett status: utgått")
        if r.kind == "samarbeidsrutine" and r.review_by is None:
            self.add(src, "RB023", "warning", ("review_by",),
                     "rutinen har ingen dato for evaluering eller revisjon", "sett review_by")

    def check_signing(self, r: Routine, src: SourceFile) -> None:
        s = r.signing
        kind = KIND_WORDS.get(r.kind, r.kind).lower()
        if r.kind in SIGNABLE_KINDS and not r.parties and r.status != "utgått":
            self.add(src, "RB037", "warning", ("parties",),
                     f"en {kind} er en avtale som partene signerer, men rutinen har ingen parter",
                     "legg inn partene under parties, eller velg en kind som ikke signeres")
        if r.kind not in SIGNABLE_KINDS and s is not None:
            self.add(src, "RB037", "warning", ("signing",),
                     f"en {kind} signeres ikke av partene, men rutinen har signering registrert",
                     "fjern signing, eller sett kind: samarbeidsrutine hvis dokumentet er en avtale")
            return
        if s is None:
            if r.signable and r.status != "utgått":
                self.add(src, "RB016", "warning", ("parties",),
                         "ingen signering er registrert for partene", "legg inn signing når rutinen er signert")
                self.check_signers(r, src)
            return
        if s.date and r.valid_from and s.date > r.valid_from:
            self.add(src, "RB014", "warning", ("signing", "date"),
                     f"rutinen ble signert {date_words(s.date)}, etter at den trådte i kraft "
                     f"{date_words(r.valid_from)}", "sjekk datoene; en rutine bør signeres før den gjelder")
        signed = {}
        for i, sig in enumerate(s.signatories):
            path = ("signing", "signatories", i)
            if self.ref(src, path + ("party",), sig.party, self.orgs, "organisasjon"):
                if sig.party not in r.parties:
                    self.add(src, "RB017", "error", path + ("party",), f"{sig.party} signerer, men er ikke part",
                             did_you_mean(sig.party, r.parties) or "legg den til i parties, eller fjern signaturen")
            if sig.role:
                self.actor(src, path + ("role",), sig.role)
            if sig.party in signed:
                self.add(src, "RB011", "error", path + ("party",), f"{sig.party} har to signaturfelt")
            signed[sig.party] = i
        for i, p in enumerate(r.parties):
            if p not in signed:
                self.add(src, "RB016", "error", ("parties", i), f"parten {p} har ikke noe signaturfelt",
                         "legg til en linje under signing.signatories")
        self.check_signers(r, src)
        unnamed = [sig.party for sig in s.signatories if not sig.name]
        if unnamed:
            self.add(src, "RB023", "warning", ("signing", "signatories"),
                     f"navnet på den som signerte er ukjent for {len(unnamed)} av {len(s.signatories)} parter",
                     "legg inn navn bare når et offentlig dokument oppgir dem")

    def check_signers(self, r: Routine, src: SourceFile) -> None:
        """RB041: `rutinebok sign` refuses a party it cannot tell a certificate for: neither the
        organisation number nor a listed certificate fingerprint is known."""
        if r.status == "utgått" or not r.signable:
            return
        listed = {sig.party for sig in (r.signing.signatories if r.signing else []) if sig.fingerprints}
        unknown = [p for p in r.parties if p in self.orgs and not self.orgs[p].org_number and p not in listed]
        if unknown:
            self.add(src, "RB041", "warning", ("parties",),
                     "digital signering er ikke mulig for " + ", ".join(unknown) + ": verken organisasjonsnummer "
                     "eller godkjente sertifikater er registrert",
                     "legg inn org_number med org_number_source (fra Enhetsregisteret) i data/organisations/<id>.yml, "
                     "eller sertifikatenes SHA-256-fingeravtrykk under signing.signatories[].fingerprints")

    def check_legal(self, r: Routine, src: SourceFile) -> None:
        approved = r.approved.on if r.approved else (r.signing.date if r.signing else None)
        if r.approved:
            self.source(src, ("approved", "source"), r.approved.source)
            if r.approved.organisation:
                self.ref(src, ("approved", "organisation"), r.approved.organisation, self.orgs, "organisasjon")
        for i, lr in enumerate(r.legal_basis):
            path = ("legal_basis", i)
            if not self.ref(src, path + ("law",), lr.law, self.ds.laws, "lov eller forskrift"):
                continue
            law = self.ds.laws[lr.law]
            if law.repealed_on and (approved is None or law.repealed_on > approved):
                self.add(src, "RB021" if approved else "RB022", "warning", path + ("law",),
                         f"{law.short_name or law.title} ble opphevet {date_words(law.repealed_on)}")
            if lr.paragraph is None:
                continue
            paragraphs = {p.id: p for p in law.paragraphs}
            para = paragraphs.get(lr.paragraph)
            if para is None:
                self.add(src, "RB010", "error", path + ("paragraph",),
                         f"{law.short_name or law.title} har ikke {lr.paragraph} i dataene",
                         did_you_mean(lr.paragraph, paragraphs) or f"legg paragrafen inn i {law.file}")
                continue
            name = f"{law.short_name or law.title} {para.id}"
            for change in para.changes:
                what = {"endret": "endret", "omskrevet": "skrevet om", "opphevet": "opphevet",
                        "henvisning": "gjort om til en henvisning"}[change.kind]
                if approved and change.date > approved:
                    self.add(src, "RB021", "warning", path + ("paragraph",),
                             f"{name} ble {what} {date_words(change.date)}, etter at rutinen ble vedtatt "
                             f"{date_words(approved)}: {change.summary}", "kontroller at rutinen fortsatt stemmer")
                elif approved is None:
                    self.add(src, "RB022", "warning", path + ("paragraph",),
                             f"{name} ble {what} {date_words(change.date)}: {change.summary}",
                             "rutinen har ingen vedtaksdato; kontroller at den fortsatt stemmer med loven")

    # ------------------------------------------------------------------ blocks

    def party_actor(self, src: SourceFile, path: tuple, value: str, r: Routine, parties: list) -> None:
        """RB018: an actor must belong to a party, or be declared external, or be the user."""
        if not self.actor(src, path, value) or not r.parties or "/" in value:
            return
        if value in r.external_actors:
            return
        if value in self.orgs:
            if value not in r.parties:
                self.add(src, "RB018", "error", path, f"{value} har en oppgave, men er ikke part i rutinen",
                         "legg den til i parties eller external_actors")
            return
        role = self.roles[value]
        if role.kind == "bruker" or (not role.organisations and not role.organisation_kinds):
            return
        kinds = {p.kind for p in parties}
        if set(role.organisations) & set(r.parties) or kinds & set(role.organisation_kinds):
            return
        self.add(src, "RB018", "error", path,
                 f"rollen «{role.name}» finnes ikke hos noen av partene",
                 "legg rollen til i external_actors, eller knytt den til en part")

    def deadline_duration(self, d: Deadline | None) -> Duration | None:
        if d is None:
            return None
        if d.within:
            return d.within
        if d.rule and d.rule in self.rules:
            return self.rules[d.rule][2].value
        return None

    def check_deadline(self, src: SourceFile, path: tuple, d: Deadline | None) -> None:
        if d is not None and d.rule:
            self.ref(src, path + ("rule",), d.rule, self.rules, "tidsregel")

    def check_blocks(self, r: Routine, src: SourceFile, parties: list) -> None:
        section_ids = []
        for path, section in r.walk_sections():
            section_ids.append((path + ("id",), section.id))
        self.unique(src, section_ids, "seksjonen")
        block_ids = []
        for path, block in r.walk_blocks():
            kind, value = block.kind, block.value
            bpath = path + (kind,)
            if block.caution is not None:
                self.source(src, path + ("caution", "source"), block.caution.source)
                if block.caution.law:
                    self.ref(src, path + ("caution", "law"), block.caution.law, self.ds.laws, "lov")
            if hasattr(value, "id") and kind != "rule":
                block_ids.append((bpath + ("id",), value.id))
            if kind == "procedure":
                self.check_procedure(r, src, bpath, value, parties)
            elif kind == "responsibility":
                for i, a in enumerate(value.responsible):
                    self.party_actor(src, bpath + ("responsible", i), a, r, parties)
                self.check_deadline(src, bpath + ("deadline",), value.deadline)
            elif kind == "meeting":
                self.party_actor(src, bpath + ("convener",), value.convener, r, parties)
                for i, a in enumerate(value.participants):
                    self.actor(src, bpath + ("participants", i), a)
            elif kind == "rule":
                self.check_rule(r, src, bpath, value)
            elif kind == "phase":
                for i, t in enumerate(value.tasks):
                    self.party_actor(src, bpath + ("tasks", i, "actor"), t.actor, r, parties)
                for i, alt in enumerate(value.alternatives):
                    for j, c in enumerate(alt.contacts):
                        self.actor(src, bpath + ("alternatives", i, "contacts", j), c)
            elif kind == "contacts":
                for i, c in enumerate(value.entries):
                    self.actor(src, bpath + ("entries", i), c)
            elif kind == "levels":
                for i, level in enumerate(value.levels):
                    for j, c in enumerate(level.coordinator):
                        self.actor(src, bpath + ("levels", i, "coordinator", j), c)
            elif kind == "role":
                self.actor(src, bpath + ("actor",), value.actor)
        self.unique(src, block_ids, "id-en")

    def check_rule(self, r: Routine, src: SourceFile, path: tuple, rule) -> None:
        for i, a in enumerate(rule.applies_to):
            self.actor(src, path + ("applies_to", i), a)
        first_routine, first_path, first = self.rules[rule.id]
        if first is rule:
            return
        if first.value != rule.value or first.starts != rule.starts:
            def show(x):
                return x.value.words if x.value else date_words(x.starts)
            self.add(src, "RB019", "error", path + ("value",),
                     f"tidsregelen «{rule.id}» er {show(rule)} her, men {show(first)} i {first_routine.file}",
                     "samme regel må ha samme verdi overalt; rett den som er feil")

    def check_procedure(self, r: Routine, src: SourceFile, path: tuple, proc, parties: list) -> None:
        self.check_deadline(src, path + ("limit",), proc.limit)
        limit = self.deadline_duration(proc.limit)
        total_key = None
        origin = dt.datetime(2001, 1, 1)
        moment = origin
        for i, step in enumerate(proc.steps):
            spath = path + ("steps", i)
            self.party_actor(src, spath + ("actor",), step.actor, r, parties)
            for j, t in enumerate(step.to):
                self.actor(src, spath + ("to", j), t)
            self.check_deadline(src, spath + ("deadline",), step.deadline)
            d = self.deadline_duration(step.deadline)
            if d is None:
                continue
            moment = d.after(moment)
            if limit is not None and d.sort_key() > limit.sort_key():
                self.add(src, "RB020", "error", spath + ("deadline",),
                         f"fristen {d.words} er lengre enn rammen for prosedyren ({limit.words})",
                         "korte ned fristen, eller rett rammen")
            elif limit is not None and total_key is None and moment > limit.after(origin):
                total_key = i
                self.add(src, "RB020", "warning", spath + ("deadline",),
                         f"fristene til og med steg {i + 1} blir til sammen lengre enn rammen ({limit.words})",
                         "sjekk om stegene kan gå parallelt, eller rett fristene")

    def check_all_links(self, src: SourceFile) -> None:
        """Links and images in every text of a file (any field can hold Markdown)."""
        stack: list[tuple[tuple, object]] = [((), src.data)]
        while stack:
            path, value = stack.pop()
            if isinstance(value, str):
                if "[" in value or "<" in value:
                    self.check_links(src, path, value)
            elif isinstance(value, dict):
                stack.extend((path + (k,), v) for k, v in value.items())
            elif isinstance(value, list):
                stack.extend((path + (i,), v) for i, v in enumerate(value))

    def check_links(self, src: SourceFile, path: tuple, text: str | None) -> None:
        """Every link and image Markdown makes of the text, in any syntax: @id links must
        exist; other links only http(s), mailto and tel; images only from the asset folder."""
        if not text or "[" not in text:
            return
        ids = self.ids
        for tag, target in markdown_targets(text):
            shown = url_scheme_text(target)[:80]
            if tag == "img":
                if not image_file(target, self.asset_dir):
                    self.add(src, "RB051", "error", path,
                             f"bildet «{shown}» kan ikke vises: bilder i teksten må være filer i "
                             "content/assets/bilder/ i repoet (aldri fra andre nettsteder)",
                             "legg bildet i content/assets/bilder/ og skriv ![beskrivelse](bilder/navn.png)")
                continue
            m = _LINK.match(target.strip())
            if m:
                ref, anchor = m.group(1), m.group(2)
                if ref not in ids:
                    self.add(src, "RB024", "error", path, f"lenken @{ref} peker på noe som ikke finnes",
                             did_you_mean(ref, ids) or "bruk id-en til en rutine, organisasjon, rolle eller lov")
                elif anchor and ref in self.ds.routines:
                    sections = [s.id for _, s in self.ds.routines[ref].walk_sections()]
                    if anchor not in sections:
                        self.add(src, "RB024", "error", path, f"rutinen {ref} har ingen seksjon «{anchor}»",
                                 did_you_mean(anchor, sections))
                continue
            verdict = url_verdict(target)
            if verdict == "ok":
                continue
            if verdict == "relative" and url_scheme_text(target).startswith("#"):
                continue
            self.add(src, "RB050", "error", path,
                     f"lenken «{shown}» er ikke tillatt: lenker kan bare gå til https://, http://, "
                     "mailto:, tel: eller en id (@id)",
                     "skriv hele adressen med https://, eller [tekst](@id) for noe i rutineboka")

    @property
    def asset_dir(self):
        return self.ds.root.parent / "content" / "assets" / "bilder"

    def check_signed_files(self) -> None:
        """signed/<routine-id>/: only regular files named <id>.pdf are read and published."""
        repo = self.ds.root.parent
        signed = repo / "signed"
        if not signed.is_dir() or signed.is_symlink():
            if signed.is_symlink():
                self.out.append(Finding("RB052", "error", "signed er en symbolsk lenke; den leses ikke", "signed"))
            return
        for rid in sorted(p.name for p in signed.iterdir()):
            _, problems = safefiles.signed_pdfs(signed / rid, repo)
            for path, reason in problems:
                self.out.append(Finding(
                    "RB052", "error", f"den signerte kopien {reason}; den publiseres ikke",
                    safefiles.display(path, repo),
                    hint="legg inn selve PDF-en med et navn som rutine-id.pdf"))

    def check_diagram(self, tree, src: SourceFile) -> None:
        """The tree's diagram must be one Graphviz can lay out (else the build would stop)."""
        import graphviz

        from .diagram import tree_svg

        try:
            tree_svg(tree)
        except graphviz.ExecutableNotFound:
            return  # no Graphviz here; the build machine has it and reports there
        except (graphviz.CalledProcessError, OSError, RuntimeError, ValueError) as exc:
            detail = " ".join(str(getattr(exc, "stderr", "") or exc).split())[:160]
            self.add(src, "RB056", "error", ("nodes",),
                     f"diagrammet for veiviseren kan ikke tegnes av Graphviz ({detail})",
                     "sjekk teksten i spørsmål og svar")

    # ------------------------------------------------------------------ decision trees

    def section_ids(self, routine_id: str) -> list[str]:
        return [s.id for _, s in self.ds.routines[routine_id].walk_sections()]

    def check_section_ref(self, src: SourceFile, path: tuple, routine_id: str, section: str | None) -> None:
        if section is None or routine_id not in self.ds.routines:
            return
        ids = self.section_ids(routine_id)
        if section not in ids:
            self.add(src, "RB010", "error", path, f"rutinen {routine_id} har ingen seksjon «{section}»",
                     did_you_mean(section, ids) or "seksjoner: " + ", ".join(ids))

    def check_tree(self, tree) -> None:
        """Soundness, in time linear in the number of nodes and options."""
        src = self.ds.source_of(tree)
        self.source(src, ("source",), tree.source)
        if self.ref(src, ("routine",), tree.routine, self.ds.routines, "rutine"):
            self.check_section_ref(src, ("section",), tree.routine, tree.section)
        index: dict[str, int] = {}
        for i, node in enumerate(tree.nodes):
            if node.id in index:
                self.add(src, "RB035", "error", ("nodes", i, "id"),
                         f"noden «{node.id}» finnes to ganger (først som node {index[node.id] + 1})")
            else:
                index[node.id] = i
        if tree.start not in index:
            self.add(src, "RB010", "error", ("start",), f"startnoden «{tree.start}» finnes ikke",
                     did_you_mean(tree.start, index))
        # Edges are (node index, option index, target); a duplicated node id (RB035) keeps its
        # own options under its own index, so positions stay right and nothing crashes.
        edges: dict[str, list[tuple[int, int, str]]] = {}
        for i, node in enumerate(tree.nodes):
            npath = ("nodes", i)
            out = edges.setdefault(node.id, [])
            if node.question is not None and not node.options:
                self.add(src, "RB033", "error", npath + ("question",),
                         f"spørsmålet i noden «{node.id}» har ingen svaralternativer",
                         "legg til options med label og next, eller gjør noden til et utfall")
            labels: dict[str, int] = {}
            for j, opt in enumerate(node.options):
                opath = npath + ("options", j)
                key = opt.label.strip().casefold()
                if key in labels:
                    self.add(src, "RB034", "error", opath + ("label",),
                             f"noden «{node.id}» har to svar som heter «{opt.label}»",
                             "gi svarene ulike tekster")
                labels[key] = j
                if opt.next not in index:
                    self.add(src, "RB032", "error", opath + ("next",),
                             f"svaret «{opt.label}» i noden «{node.id}» fører til «{opt.next}», som ikke finnes",
                             did_you_mean(opt.next, index) or "pek på en node i treet")
                else:
                    out.append((i, j, opt.next))
            if node.outcome is not None:
                o, opath = node.outcome, npath + ("outcome",)
                for j, a in enumerate(o.responsible):
                    self.actor(src, opath + ("responsible", j), a)
                for j, c in enumerate(o.contacts):
                    self.actor(src, opath + ("contacts", j), c)
                routine_id = o.routine or tree.routine
                if o.routine:
                    self.ref(src, opath + ("routine",), o.routine, self.ds.routines, "rutine")
                self.check_section_ref(src, opath + ("section",), routine_id, o.section)
                self.check_deadline(src, opath + ("deadline",), o.deadline)
        if tree.start not in index:
            return
        # Reachability and cycles in one iterative depth-first walk (white/grey/black).
        state: dict[str, int] = {tree.start: 1}
        stack = [(tree.start, iter(edges[tree.start]))]
        while stack:
            node_id, children = stack[-1]
            for i, j, child in children:
                if state.get(child) == 1:
                    self.add(src, "RB031", "error", ("nodes", i, "options", j, "next"),
                             f"svaret «{tree.nodes[i].options[j].label}» i noden «{node_id}» fører tilbake til "
                             f"«{child}»: treet går i ring", "en veiviser må alltid ende i et utfall")
                elif child not in state:
                    state[child] = 1
                    stack.append((child, iter(edges[child])))
                    break
            else:
                state[node_id] = 2
                stack.pop()
        for i, node in enumerate(tree.nodes):
            if node.id not in state and index.get(node.id) == i:
                self.add(src, "RB030", "error", ("nodes", i, "id"),
                         f"noden «{node.id}» kan ikke nås fra start («{tree.start}»)",
                         "la et svar føre hit, eller fjern noden")

    # ------------------------------------------------------------------ all

    def run(self) -> list[Finding]:
        self.check_sources()
        self.check_glossary()
        for org in self.orgs.values():
            self.check_organisation(org)
        for role in self.roles.values():
            self.check_role(role)
        for law in self.ds.laws.values():
            self.check_law(law)
        for doc in self.ds.documents.values():
            self.check_document(doc)
        for routine in self.ds.routines.values():
            self.check_routine(routine)
        for tree in self.ds.trees.values():
            self.check_tree(tree)
            self.check_diagram(tree, self.ds.source_of(tree))
        for src in self.ds.files.values():
            self.check_all_links(src)
        self.check_signed_files()
        self.check_ended_references()
        return self.out

    def check_ended_references(self) -> None:
        ended = {k: o for k, o in self.orgs.items() if o.ended_on and o.ended_on <= self.today}
        if not ended:
            return
        for r in self.ds.routines.values():
            if r.status == "utgått":
                continue
            src = self.ds.source_of(r)
            for field in ("parties", "external_actors"):
                for i, p in enumerate(getattr(r, field)):
                    if p in ended:
                        o = ended[p]
                        hint = f"nå: {o.replaced_by}" if o.replaced_by else ""
                        self.add(src, "RB026", "warning", (field, i),
                                 f"{o.name} opphørte {date_words(o.ended_on)}", hint)


def run_checks(ds: Dataset, today: dt.date) -> list[Finding]:
    return Checker(ds, today).run()
