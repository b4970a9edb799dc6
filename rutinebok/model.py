"""The data model: every entity kept in data/, validated strictly (unknown keys are errors).

Field descriptions are Norwegian because editors see them (schema, autocomplete).
Cross-file rules (references, dates against today) live in checks.py, not here.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property, lru_cache
from typing import Annotated, Any, ClassVar, Literal

import isodate
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PrivateAttr,
    model_validator,
)
from pydantic_core import core_schema

from . import words

# --------------------------------------------------------------------------- value types

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, description="Id: små bokstaver a–z, sifre og bindestrek.")]


class RefTo:
    """Marker in a field's type: the value names an entity of these kinds (data/ folders).

    The index (rutinebok/index.py) finds a routine's references from these markers, not by
    scanning its text; a new reference field only needs the right type."""

    __slots__ = ("kinds",)

    def __init__(self, *kinds: str):
        self.kinds = kinds

    def __repr__(self) -> str:
        return f"RefTo{self.kinds!r}"


# A reference: an id, or for a contact 'organisation-id/contact-id'.
Ref = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?$"),
                RefTo("organisations", "roles")]
OrgId = Annotated[Id, RefTo("organisations")]
RoleId = Annotated[Id, RefTo("roles")]
LawId = Annotated[Id, RefTo("laws")]
DocumentId = Annotated[Id, RefTo("documents")]
RoutineId = Annotated[Id, RefTo("routines")]
ChecklistId = Annotated[Id, RefTo("checklists")]
Markdown = Annotated[str, Field(min_length=1, pattern=r"\S", description="Tekst i Markdown.")]
# Text a reader sees as a label or heading: must have at least one visible character.
Label = Annotated[str, Field(min_length=1, pattern=r"\S")]


def search_terms_field():
    """The `search_terms` field, the same on every entity that has one."""
    return Field(default_factory=list, title="Søkeord",
                 description="Hverdagsord folk søker med (for eksempel «depositum» for husleiegaranti). "
                             "Bare andre ord for det teksten allerede sier, aldri nye fakta. Vises ikke.")

# Contact formats are strict so nothing but an address can get in: no < > " ' ` spaces,
# backslashes or control characters, and web addresses only with http(s) and a host name.
EMAIL_PATTERN = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
WEB_PATTERN = (r"^https?://[A-Za-z0-9æøåÆØÅ](?:[A-Za-z0-9æøåÆØÅ-]*[A-Za-z0-9æøåÆØÅ])?"
               r"(?:\.[A-Za-z0-9æøåÆØÅ](?:[A-Za-z0-9æøåÆØÅ-]*[A-Za-z0-9æøåÆØÅ])?)*\.[A-Za-z]{2,}(?::\d{1,5})?"
               r"(?:[/?#][A-Za-z0-9æøåÆØÅ._~!$&*+,;=:@%/?#-]*)?$")
Web = Annotated[str, Field(pattern=WEB_PATTERN, description="Nettadresse som begynner med https://.")]
# A file in the repository, relative to its root: no .., no absolute path, no odd characters.
REPO_PATH_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9._-]*(?:/[A-Za-z0-9_][A-Za-z0-9._-]*)*$"
RepoPath = Annotated[str, Field(pattern=REPO_PATH_PATTERN, description="Sti til en fil i repoet.")]

# Parsing lives in words.py beside the words for durations, so the two modules do not
# import each other.
_DURATION_RE = words.DURATION_RE
parse_duration_parts = words.parse_duration_parts


@lru_cache(maxsize=4096)
def _isodate(iso: str):
    return isodate.parse_duration(iso)


class Duration:
    """An ISO 8601 duration kept as written: 'P1M' stays one calendar month, not 30 days."""

    __slots__ = ("_parts", "iso")

    def __init__(self, iso: str):
        self._parts = parse_duration_parts(iso)
        self.iso = iso

    @property
    def words(self) -> str:
        return words.duration_words(self.iso)

    def after(self, start: dt.date | dt.datetime) -> dt.date | dt.datetime:
        """The moment this duration after `start` (calendar-aware via isodate)."""
        return start + _isodate(self.iso)

    def sort_key(self) -> dt.datetime:
        # Compared from a fixed reference so months and days order sensibly.
        return self.after(dt.datetime(2001, 1, 1))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and self.sort_key() == other.sort_key()

    def __hash__(self) -> int:
        return hash(self.sort_key())

    def __repr__(self) -> str:
        return f"Duration({self.iso!r})"

    def __str__(self) -> str:
        return self.words

    @classmethod
    def _validate(cls, value: Any) -> Duration:
        if isinstance(value, Duration):
            return value
        if not isinstance(value, str):
            raise ValueError("en varighet skrives som tekst i ISO 8601, f.eks. PT48H eller P3M")
        return cls(value.strip())

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        return core_schema.no_info_plain_validator_function(
            cls._validate,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.iso),
        )

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: Any, handler: GetJsonSchemaHandler):
        return {
            "type": "string",
            "pattern": _DURATION_RE.pattern,
            "examples": ["PT48H", "P2D", "P3M", "P2Y"],
        }


EDITOR_NOTE = "editor_note"
_BLOCK_EXTRAS = {EDITOR_NOTE, "caution", "covers", "source"}  # keys a block may carry besides its one kind


class Strict(BaseModel):
    """Base: unknown keys are errors; ids and positions are attached after loading.

    Every mapping may carry an editor_note: what an editor needs to know about the value (what
    the source lacks, how it was read). Renderers never show it; `rutinebok facts` lists them.
    """

    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=False)

    # A block kind declares the fields holding actors and deadlines (paths through lists), and
    # says what each actor must do (`duties`) and which deadlines go on the deadline pages.
    ACTORS: ClassVar[tuple[str, ...]] = ()
    DEADLINES: ClassVar[tuple[str, ...]] = ()

    def duties(self, say):
        return ()

    def deadline_rows(self, say):
        return ()

    editor_note: str | None = Field(
        None, title="Merknad til redaktørene", description="Merknad til redaktørene, f.eks. hva kilden mangler eller hvordan den er lest. "
        "Vises aldri på nettstedet eller i PDF-en; `rutinebok facts` viser den.",
    )


class Entity(Strict):
    """A top-level record that lives in its own file."""

    _file: str = PrivateAttr(default="")
    search_terms: list[str] = search_terms_field()

    @property
    def file(self) -> str:
        return self._file


# --------------------------------------------------------------------------- sources, contacts


class SourceRef(Strict):
    document: Id = Field(description="Id for kildedokumentet (se data/sources.yml).", title="Dokument")
    where: str | None = Field(None, description="Hvor i kilden: avsnitt, side eller tabell.", title="Hvor i kilden")


class Contact(Strict):
    id: Id = Field(description="Id for kontaktpunktet, unik innen organisasjonen.", title="Id")
    label: str = Field(description="Hva kontaktpunktet er, f.eks. «Sentralbord» eller «E-post».", title="Betegnelse")
    phone: Annotated[
        str | None, Field(pattern=r"^(\+47 ?)?(\d{3} ?\d{3}|\d{2} ?\d{2} ?\d{2} ?\d{2}|\d{3} ?\d{2} ?\d{3}|1\d{2})$")
    ] = Field(None, description="Telefonnummer, f.eks. «69 25 40 40» eller «116 006».", title="Telefon")
    email: Annotated[str | None, Field(pattern=EMAIL_PATTERN)] = Field(
        None, description="Offentlig e-postadresse for tjenesten (aldri en privatperson).", title="E-post"
    )
    web: Annotated[str | None, Field(pattern=WEB_PATTERN)] = Field(
        None, description="Nettadresse, med https://.", title="Nettside"
    )
    address: str | None = Field(None, description="Besøks- eller postadresse.", title="Adresse")
    opening_hours: str | None = Field(None, description="Åpningstider slik kilden oppgir dem.", title="Åpningstider")
    note: str | None = Field(None, description="Merknad til kontaktpunktet.", title="Merknad")
    as_of: dt.date | None = Field(
        None, description="Datoen kilden bekreftet opplysningen. Gamle opplysninger flagges av sjekken.", title="Bekreftet dato"
    )
    source: SourceRef = Field(description="Hvor opplysningen kommer fra.", title="Kilde")

    @model_validator(mode="after")
    def _some_channel(self):
        if not (self.phone or self.email or self.web or self.address):
            raise ValueError("kontaktpunktet mangler både telefon, e-post, nettadresse og adresse")
        return self


OrgKind = Literal[
    "krisesenter", "nav-kontor", "kommune", "kommunal-enhet", "politi", "stiftelse",
    "statlig", "forum", "fylkeskommune", "nasjonal-tjeneste", "annet",
]


class Organisation(Entity):
    id: Id = Field(title="Id")
    name: str = Field(description="Fullt navn, slik det står i kilden.", title="Navn")
    short_name: str | None = Field(None, description="Kort navn til bruk i tekst og tabeller.", title="Kortnavn")
    kind: OrgKind = Field(description="Hva slags organisasjon.", title="Type")
    legal_form: str | None = Field(None, description="Organisasjonsform, f.eks. IKS.", title="Organisasjonsform")
    part_of: OrgId | None = Field(None, description="Organisasjonen denne er en enhet i.", title="Del av")
    owned_by: list[OrgId] = Field(default_factory=list, description="Eiere (for IKS: eierkommunene).", title="Eiere")
    serves: list[OrgId] = Field(default_factory=list, description="Kommunene tjenesten dekker.", title="Kommuner tjenesten dekker")
    serves_note: str | None = Field(None, description="Hvem tjenesten er for, når det er avgrenset.", title="Hvem tjenesten er for")
    description: Markdown | None = Field(None, title="Beskrivelse", description="Beskrivelse i Markdown.")
    contacts: list[Contact] = Field(default_factory=list, description="Tjenestens kontaktpunkter.", title="Kontakter")
    ended_on: dt.date | None = Field(None, description="Dato organisasjonen opphørte eller fikk nytt navn.", title="Opphørte")
    ended_how: Literal["sammenslått", "nytt-navn", "nedlagt"] | None = Field(
        None, description="Hva som skjedde: sammenslått med en annen, fikk nytt navn, eller nedlagt.", title="Hva skjedde")
    ended_source: SourceRef | None = Field(
        None, description="Den offisielle kilden for at organisasjonen opphørte eller fikk nytt navn.", title="Kilde for endringen")
    replaced_by: OrgId | None = Field(None, description="Organisasjonen som overtok.", title="Erstattet av")
    org_number: Annotated[str | None, Field(pattern=r"^\d{9}$")] = Field(
        None, description="Organisasjonsnummer (9 sifre) fra Enhetsregisteret. Tomt når ingen kilde oppgir det; "
        "da kan parten bare signere digitalt med et sertifikat som er oppført under signing.signatories.",
                                                                       title="Organisasjonsnummer",
)
    org_number_source: SourceRef | None = Field(None, description="Hvor organisasjonsnummeret kommer fra.", title="Kilde for organisasjonsnummeret")
    reviewers: list[Annotated[str, Field(pattern=r"^@[A-Za-z0-9-]+(/[A-Za-z0-9._-]+)?$")]] = Field(
        default_factory=list,
        description="GitHub-brukere eller -team som godkjenner endringer for organisasjonen, "
        "f.eks. @nav-moss-rutiner. Tom: teamet @rutinebok/<id>.",
                                                                                                 title="Godkjennere",
)
    source: SourceRef = Field(title="Kilde", description="Hvor opplysningene kommer fra.")

    @model_validator(mode="after")
    def _org_number_has_source(self):
        if self.org_number and self.org_number_source is None:
            raise ValueError("org_number må ha en kilde: legg til org_number_source (f.eks. Enhetsregisteret)")
        return self


RoleKind = Literal["rolle", "bruker", "ekstern"]


class Role(Entity):
    id: Id = Field(title="Id")
    name: str = Field(description="Rollens navn, f.eks. «Primærkontakt».", title="Navn")
    kind: RoleKind = Field("rolle", description="rolle (i en organisasjon), bruker (personen selv) eller ekstern.", title="Type")
    also_called: list[str] = Field(default_factory=list, description="Andre navn kildene bruker.", title="Også kalt")
    organisations: list[OrgId] = Field(
        default_factory=list, description="Organisasjonene rollen finnes i.", title="Organisasjoner"
    )
    organisation_kinds: list[OrgKind] = Field(
        default_factory=list,
        description="Slags organisasjoner rollen finnes i, f.eks. nav-kontor. Tomt sammen med "
        "organisations: en generell rolle.",
                                            title="Slags organisasjoner",
)
    part_of: RoleId | None = Field(
        None, description="Rollen er en del av en annen rolle, f.eks. er veileder i NAV en del av "
        "NAV-kontoret. Oppgavene til den andre rollen vises da også på denne rollens side.",
                                 title="Del av rollen",
)
    description: Markdown | None = Field(None, title="Beskrivelse", description="Beskrivelse i Markdown.")
    source: SourceRef = Field(title="Kilde", description="Hvor opplysningene kommer fra.")


# --------------------------------------------------------------------------- laws, documents, glossary


class LawChange(Strict):
    date: dt.date = Field(description="Datoen endringen trådte i kraft.", title="Dato")
    kind: Literal["endret", "omskrevet", "opphevet", "henvisning"] = Field(
        description="endret, omskrevet, opphevet, eller gjort om til en henvisning til en annen lov.", title="Type"
    )
    summary: str = Field(description="Hva endringen gikk ut på.", title="Sammendrag")
    see: LawId | None = Field(None, description="Loven det nå henvises til.", title="Se")
    source: SourceRef = Field(title="Kilde", description="Hvor opplysningene kommer fra.")


class Paragraph(Strict):
    id: str = Field(pattern=r"^§ ?\d+[a-z]?(-\d+)?( ?[a-z])?$|^kap\. ?\d+$", description="F.eks. «§ 4», «§ 4 a» eller «kap. 4».", title="Id")
    title: str | None = Field(None, title="Tittel", description="Overskriften.")
    changes: list[LawChange] = Field(default_factory=list, title="Endringer", description="Endringer i paragrafen, med dato.")


class Law(Entity):
    id: Id = Field(title="Id")
    kind: Literal["lov", "forskrift"] = Field(title="Type", description="Hva slags ting dette er.")
    official_id: str | None = Field(
        None, pattern=r"^(LOV|FOR)-\d{4}-\d{2}-\d{2}-\d+$",
        description="Lovdatas id, f.eks. LOV-2009-06-19-44. Tom når ukjent.",
                                  title="Lovdata-id",
)
    title: str = Field(description="Lovens fulle tittel.", title="Tittel")
    short_name: str | None = Field(None, description="Korttittel, f.eks. krisesenterlova.", title="Kortnavn")
    in_force: dt.date | None = Field(None, title="I kraft fra", description="Datoen loven trådte i kraft.")
    repealed_on: dt.date | None = Field(None, title="Opphevet", description="Datoen loven ble opphevet.")
    paragraphs: list[Paragraph] = Field(default_factory=list, title="Paragrafer", description="Paragrafer vi viser til, med endringer.")
    source: SourceRef = Field(title="Kilde", description="Hvor opplysningene kommer fra.")

    @property
    def lovdata_url(self) -> str | None:
        if not self.official_id:
            return None
        kind, rest = self.official_id.split("-", 1)
        return f"https://lovdata.no/{'lov' if kind == 'LOV' else 'forskrift'}/{rest}"


class Measure(Strict):
    number: str = Field(description="Tiltakets nummer i planen.", title="Nummer")
    text: str | None = Field(None, description="Hva tiltaket går ut på, når kilden sier det.", title="Tekst")


class Document(Entity):
    id: Id = Field(title="Id")
    kind: Literal["handlingsplan", "veileder", "evaluering", "verdidokument", "retningslinjer",
                  "selskapsavtale", "plan", "instruks", "rutine", "annet"] = Field(title="Type", description="Hva slags ting dette er.")
    title: str = Field(title="Tittel", description="Overskriften.")
    publisher: str | None = Field(None, description="Utgiver slik kilden oppgir den.", title="Utgiver")
    year: int | None = Field(None, title="År", description="Året dokumentet er fra.")
    first_year: int | None = Field(None, description="Første år planen gjelder.", title="Første år")
    last_year: int | None = Field(None, description="Siste år planen gjelder.", title="Siste år")
    measures: list[Measure] = Field(default_factory=list, title="Tiltak", description="Tiltakene.")
    superseded: bool = Field(False, description="Dokumentet er erstattet av et nyere.", title="Erstattet")
    superseded_note: str | None = Field(None, title="Om erstatningen", description="Hva som erstattet dokumentet, når det er kjent.")
    url: Web | None = Field(None, title="Nettadresse", description="Nettadresse, med https://.")
    source: SourceRef = Field(title="Kilde", description="Hvor opplysningene kommer fra.")


class Term(Strict):
    term: str = Field(description="Forkortelsen eller ordet, slik det står i teksten.", title="Ord")
    expansion: str | None = Field(None, description="Hva forkortelsen står for.", title="Betydning")
    explanation: str = Field(description="Forklaring i klarspråk.", title="Forklaring")
    source: SourceRef | None = Field(None, title="Kilde", description="Hvor opplysningene kommer fra.")
    search_terms: list[str] = search_terms_field()


class Glossary(Entity):
    terms: list[Term] = Field(title="Ord", description="Ordene i ordlisten.")


class Source(Strict):
    id: Id = Field(title="Id")
    title: str = Field(title="Tittel", description="Overskriften.")
    kind: Literal["dokument", "nettside", "prosjektbrief"] = Field(title="Type", description="Hva slags ting dette er.")
    file: RepoPath | None = Field(None, description="Filen med kildeteksten, relativt til repoet.", title="Fil")
    url: Web | None = Field(None, title="Nettadresse", description="Nettadresse, med https://.")
    date: dt.date | None = Field(None, title="Dato", description="Dato, skrevet ÅÅÅÅ-MM-DD.")
    date_note: str | None = Field(None, title="Om datoen", description="Hva kilden sier om datoen.")


class Sources(Entity):
    sources: list[Source] = Field(title="Kilder", description="Kildedokumentene dataene bygger på.")


# --------------------------------------------------------------------------- blocks in a routine


class Deadline(Strict):
    """Exactly one of within / by / when / rule."""

    within: Duration | None = Field(None, description="Frist som varighet (ISO 8601), f.eks. PT48H.", title="Innen")
    by: dt.date | None = Field(None, description="Frist som dato.", title="Innen dato")
    when: Literal["snarest", "straks", "løpende", "i-god-tid"] | None = Field(
        None, description="Frist uten fast tid.", title="Når"
    )
    rule: Id | None = Field(None, description="Fristen er en navngitt tidsregel (id).", title="Tidsregel")
    after: str | None = Field(None, description="Hendelsen fristen regnes fra, f.eks. «søknaden er mottatt».", title="Regnes fra")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # 'deadline: PT48H' and 'deadline: snarest' are shorthand for the mapping form.
        if isinstance(value, str):
            if value.startswith("P"):
                return {"within": value}
            if re.match(r"^\d{4}-\d{2}-\d{2}$", value):
                return {"by": value}
            return {"when": value}
        return value

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("within", "by", "when", "rule") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("en frist har nøyaktig én av within, by, when eller rule")
        return self


# Actors a source names without a single role: a first-class value, never a guessed role.
JOINT_ACTORS = {
    "alle-involverte": "Alle involverte",
    "ikke-oppgitt": "Ikke oppgitt i kilden",
}


class Step(Strict):
    actor: Ref = Field(
        description="Hvem som handler: id for en rolle eller organisasjon. Når kilden ikke nevner én "
        "bestemt aktør: «alle-involverte», eller «ikke-oppgitt» når kilden ikke sier hvem. Gjett aldri.",
        examples=["primaerkontakt", "alle-involverte"],
                     title="Hvem",
)
    together_with: list[Ref] = Field(
        default_factory=list, title="Sammen med",
        description="Andre som gjør steget sammen med aktøren, f.eks. «beboeren sammen med "
        "kontaktpersonen»: actor: beboer, together_with: [kontaktperson].",
        examples=[["kontaktperson"]],
    )
    action: Markdown = Field(description="Hva som gjøres.", title="Handling")
    deadline: Deadline | None = Field(None, title="Frist", description="Frist som varighet (PT48H), dato (2019-12-31), snarest/straks/løpende, eller en tidsregel.")
    condition: str | None = Field(None, description="Vilkår, f.eks. «med kvinnens samtykke».", title="Vilkår")
    to: list[Ref] = Field(default_factory=list, description="Hvem som varsles eller kontaktes.", title="Til")
    note: Markdown | None = Field(None, title="Merknad", description="Merknad til leseren.")


class Procedure(Strict):
    # What the block holds, read by the index (rutinebok/index.py): field paths through lists.
    ACTORS: ClassVar[tuple[str, ...]] = ("steps.actor", "steps.to")
    DEADLINES: ClassVar[tuple[str, ...]] = ("limit", "steps.deadline")

    def duties(self, say):
        for i, s in enumerate(self.steps, 1):
            yield {"actor": s.actor, "kind": "step", "text": s.action, "deadline": say.deadline(s.deadline),
                   "condition": s.condition or "", "procedure": self.title, "number": i}
            for receiver in dict.fromkeys(s.to):
                # Being told is a duty too: the housing office must act on the notice it gets.
                yield {"actor": receiver, "kind": "notice", "text": f"Tar imot fra {say.name(s.actor)}: {s.action}",
                       "deadline": say.deadline(s.deadline), "condition": s.condition or "",
                       "procedure": self.title, "number": i}

    def deadline_rows(self, say):
        for i, s in enumerate(self.steps, 1):
            if s.deadline is not None:
                yield {"what": f"{self.title}, steg {i}: {s.action}", "actors": [s.actor],
                       "words": say.deadline(s.deadline), "sort": say.sort_key(s.deadline), "kind": "steg"}

    id: Id = Field(title="Id")
    title: str = Field(title="Tittel", description="Overskriften.")
    intro: Markdown | None = Field(None, title="Innledning", description="Innledende tekst.")
    limit: Deadline | None = Field(None, description="Rammen alle stegene må holde seg innenfor.", title="Ramme")
    steps: list[Step] = Field(min_length=1, title="Steg", description="De nummererte stegene i prosedyren.")


class Frequency(Strict):
    times: int = Field(ge=1, le=366, description="Antall ganger per periode.", title="Antall ganger")
    per: Literal["uke", "måned", "år"] = Field(title="Per", description="uke, måned eller år.")
    also_when_needed: bool = Field(False, description="Også ved behov.", title="Også ved behov")

    @property
    def words(self) -> str:
        text = words.frequency_words(self.times, self.per)
        return text + " og ved behov" if self.also_when_needed else text


class Responsibility(Strict):
    ACTORS: ClassVar[tuple[str, ...]] = ("responsible",)
    DEADLINES: ClassVar[tuple[str, ...]] = ("deadline",)

    def duties(self, say):
        for a in self.responsible:
            yield {"actor": a, "kind": "responsibility", "text": self.duty, "deadline": say.deadline(self.deadline)}

    duty: Markdown = Field(description="Plikten.", title="Plikt")
    responsible: list[Ref] = Field(min_length=1, description="Roller eller organisasjoner som har ansvaret.", title="Ansvarlig")
    deadline: Deadline | None = Field(None, title="Frist", description="Frist som varighet (PT48H), dato (2019-12-31), snarest/straks/løpende, eller en tidsregel.")
    frequency: Frequency | None = Field(
        None, title="Hvor ofte",
        description="Hvor ofte plikten gjentas, f.eks. «informerer kommunene to ganger i året»: "
        "{times: 2, per: år}.",
        examples=[{"times": 2, "per": "år"}],
    )




class Meeting(Strict):
    ACTORS: ClassVar[tuple[str, ...]] = ("convener", "participants")
    DEADLINES: ClassVar[tuple[str, ...]] = ()

    def duties(self, say):
        yield {"actor": self.convener, "kind": "meeting",
               "text": f"Kalle inn til {self.title.lower()} ({self.frequency.words})."}
        for who in dict.fromkeys(self.participants):
            if who != self.convener:
                yield {"actor": who, "kind": "participant",
                       "text": f"Delta i {self.title.lower()} ({self.frequency.words})."}

    id: Id = Field(title="Id")
    title: str = Field(title="Tittel", description="Overskriften.")
    frequency: Frequency = Field(title="Hvor ofte", description="Hvor ofte møtet holdes.")
    convener: Ref = Field(description="Hvem som kaller inn (rolle eller organisasjon).", title="Innkaller")
    participants: list[Ref] = Field(default_factory=list, title="Deltakere", description="Roller eller organisasjoner som deltar.")
    participants_note: str | None = Field(None, title="Om deltakerne", description="Deltakerne slik kilden beskriver dem.")
    agenda: list[str] = Field(default_factory=list, title="Dagsorden", description="Faste punkter på dagsordenen.")
    tasks: list[str] = Field(default_factory=list, description="Oppgaver møtet/forumet har.", title="Oppgaver")
    description: Markdown | None = Field(None, title="Beskrivelse", description="Beskrivelse i Markdown.")


class TimeRule(Strict):
    ACTORS: ClassVar[tuple[str, ...]] = ("applies_to",)
    DEADLINES: ClassVar[tuple[str, ...]] = ()

    def duties(self, say):
        for a in self.applies_to:
            yield {"actor": a, "kind": "rule", "text": self.text, "deadline": say.rule_words(self)}

    def deadline_rows(self, say):
        if self.value is not None:
            yield {"what": self.name, "actors": self.applies_to, "words": say.rule_words(self),
                   "sort": self.value.sort_key(), "kind": "tidsregel"}

    id: Id = Field(description="Navnet på regelen. Samme id i to rutiner må ha samme verdi.", title="Id")
    name: str = Field(title="Navn", description="Navnet slik det står i kilden.")
    value: Duration | None = Field(None, description="Varigheten regelen setter.", title="Verdi")
    starts: dt.date | None = Field(None, description="Datoen regelen gjelder fra.", title="Gjelder fra")
    qualifier: Literal["maks", "minst", "normalt maks", "inntil", "innen", "i"] | None = Field(None, title="Presisering", description="maks, minst, normalt maks, inntil, innen eller i.")
    applies_to: list[Ref] = Field(default_factory=list, title="Gjelder for", description="Roller eller organisasjoner regelen gjelder for.")
    text: Markdown = Field(description="Regelen forklart for leseren.", title="Tekst")

    @model_validator(mode="after")
    def _value_or_start(self):
        if self.value is None and self.starts is None:
            raise ValueError("en tidsregel trenger value (varighet) eller starts (dato)")
        return self


class RoleTasks(Strict):
    actor: Ref = Field(title="Hvem", description="Id for rollen eller organisasjonen som handler.")
    tasks: list[str] = Field(min_length=1, title="Oppgaver", description="Oppgaver.")


class Alternative(Strict):
    id: Id = Field(title="Id")
    title: str = Field(title="Tittel", description="Overskriften.")
    search_terms: list[str] = search_terms_field()
    text: Markdown = Field(title="Tekst")
    points_title: Label | None = Field(
        None, title="Overskrift over punktene",
        description="Hva punktene er, slik kilden innleder dem, f.eks. «Fordeler med en slik løsning». Vises over "
        "punktene, så de ikke leses som en fortsettelse av en liste i teksten.",
        examples=["Fordeler med en slik løsning"])
    points: list[str] = Field(default_factory=list, title="Punkter", description="Kulepunkter.")
    contacts: list[Ref] = Field(default_factory=list, title="Kontakter", description="Kontaktpunkter.")


class Phase(Strict):
    ACTORS: ClassVar[tuple[str, ...]] = ("tasks.actor", "alternatives.contacts")
    DEADLINES: ClassVar[tuple[str, ...]] = ()

    def duties(self, say):
        for t in self.tasks:
            for task in t.tasks:
                yield {"actor": t.actor, "kind": "task", "text": task, "procedure": f"Fase {self.number}: {self.title}"}

    id: Id = Field(title="Id")
    number: int = Field(title="Nummer", description="Nummeret.")
    title: str = Field(title="Tittel", description="Overskriften.")
    result: Markdown | None = Field(None, title="Resultat", description="Hva fasen skal føre til.")
    text: Markdown | None = Field(None, title="Tekst", description="Tekst i Markdown.")
    alternatives: list[Alternative] = Field(default_factory=list, title="Alternativer", description="Alternativene i fasen.")
    tasks: list[RoleTasks] = Field(default_factory=list, title="Oppgaver", description="Oppgaver.")


class Table(Strict):
    id: Id = Field(title="Id")
    caption: str = Field(title="Tabelltekst", description="Overskrift for tabellen.")
    columns: list[str] = Field(min_length=1, title="Kolonner", description="Kolonneoverskriftene.")
    rows: list[list[str]] = Field(min_length=1, title="Rader", description="Radene; hver rad har like mange celler som det er kolonner.")
    note: str | None = Field(None, title="Merknad", description="Merknad til leseren.")

    @model_validator(mode="after")
    def _row_widths(self):
        for i, row in enumerate(self.rows):
            if len(row) != len(self.columns):
                raise ValueError(f"rad {i + 1} har {len(row)} celler, men tabellen har {len(self.columns)} kolonner")
        return self


class ContactList(Strict):
    ACTORS: ClassVar[tuple[str, ...]] = ("entries",)
    DEADLINES: ClassVar[tuple[str, ...]] = ()

    title: str = Field(title="Tittel", description="Overskriften.")
    entries: list[Ref] = Field(min_length=1, description="Kontaktpunkter: organisasjon/kontakt-id.", title="Kontaktpunkter")


class Level(Strict):
    number: int = Field(title="Nummer", description="Nummeret.")
    colour: Literal["grønn", "gul", "oransje", "rød"] = Field(title="Farge", description="grønn, gul, oransje eller rød.")
    title: str = Field(title="Tittel", description="Overskriften.")
    need: Markdown = Field(description="Hvilket behov innbyggeren har på nivået.", title="Behov")
    measures: Markdown | None = Field(None, title="Tiltak", description="Tiltakene.")
    plan: str | None = Field(None, description="Plan som etableres (målplan, IP).", title="Plan")
    coordinator: list[Ref] = Field(default_factory=list, description="Hvem som etablerer og koordinerer planen.", title="Koordinator")


class Levels(Strict):
    ACTORS: ClassVar[tuple[str, ...]] = ("levels.coordinator",)
    DEADLINES: ClassVar[tuple[str, ...]] = ()

    def duties(self, say):
        for level in self.levels:
            for a in level.coordinator:
                yield {"actor": a, "kind": "level",
                       "text": f"Nivå {level.number} ({level.colour}): {level.title}. {level.plan or ''}".strip()}

    id: Id = Field(title="Id")
    title: str = Field(title="Tittel", description="Overskriften.")
    levels: list[Level] = Field(min_length=1, title="Nivåer", description="Nivåene i modellen.")


class ItemList(Strict):
    title: str | None = Field(None, title="Tittel", description="Overskriften.")
    ordered: bool = Field(False, title="Nummerert", description="true for nummerert liste.")
    items: list[Markdown] = Field(min_length=1, title="Punkter", description="Punktene i listen.")


class PlanMeasures(Strict):
    title: str = Field(description="Overskrift, f.eks. «Tiltak for perioden 2016–2018».", title="Tittel")
    first_year: int | None = Field(None, title="Første år", description="Første år perioden gjelder.")
    last_year: int | None = Field(None, title="Siste år", description="Siste år perioden gjelder.")
    items: list[Markdown] = Field(min_length=1, title="Punkter", description="Punktene i listen.")


class RoleDescription(Strict):
    ACTORS: ClassVar[tuple[str, ...]] = ("actor",)
    DEADLINES: ClassVar[tuple[str, ...]] = ()

    def duties(self, say):
        yield {"actor": self.actor, "kind": "description", "text": self.text}

    actor: Ref = Field(title="Hvem", description="Id for rollen eller organisasjonen som handler.")
    text: Markdown = Field(title="Tekst")


class Caution(Strict):
    """A notice shown next to a block whose wording may no longer state the law: readers see
    the routine's words as that routine's words, what the rules now say, and where to ask."""

    title: Label = Field("Reglene kan ha endret seg", description="Overskriften på merknaden.", title="Overskrift")
    text: Markdown = Field(description="Hva leseren må vite, og hvor hun kan spørre. Skrevet for leseren.", title="Tekst")
    law: LawId | None = Field(None, description="Loven eller forskriften som gjelder nå (id i data/laws/).", title="Lov")
    paragraph: str | None = Field(None, description="Paragrafen, f.eks. «§ 1».", title="Paragraf")
    source: SourceRef = Field(description="Den offisielle kilden merknaden bygger på.", title="Kilde")


ORDINALS = ("første", "andre", "tredje", "fjerde", "femte", "sjette", "sjuende", "åttende", "niende", "tiende")


class LegalRef(Strict):
    law: LawId = Field(description="Loven eller forskriften (id i data/laws/).", examples=["krisesenterlova"], title="Lov")
    paragraph: str | None = Field(None, description="Paragraf, f.eks. «§ 4». Tom når hele loven menes.",
                                  examples=["§ 4"], title="Paragraf")
    ledd: int | None = Field(None, ge=1, le=20, title="Ledd i paragrafen",
                             description="Leddet i paragrafen, som tall: 2 betyr «andre ledd».", examples=[2])
    bokstav: Annotated[str | None, Field(pattern=r"^[a-zæøå]$")] = Field(
        None, title="Bokstav i leddet", description="Bokstaven i leddet, f.eks. «a».", examples=["a"])
    note: str | None = Field(None, description="Hva rutinen bygger på i denne bestemmelsen.", title="Merknad")

    @model_validator(mode="after")
    def _below_paragraph(self):
        if (self.ledd or self.bokstav) and not self.paragraph:
            raise ValueError("ledd og bokstav krever paragraph (f.eks. paragraph: «§ 2», ledd: 2)")
        if self.bokstav and not self.ledd:
            raise ValueError("bokstav krever ledd (f.eks. ledd: 2, bokstav: a)")
        return self

    @property
    def below_words(self) -> str:
        """«andre ledd bokstav a»: the part of the paragraph, in the words Lovdata uses."""
        out = []
        if self.ledd:
            out.append(f"{ORDINALS[self.ledd - 1] if self.ledd <= len(ORDINALS) else str(self.ledd) + '.'} ledd")
        if self.bokstav:
            out.append(f"bokstav {self.bokstav}")
        return " ".join(out)

    @property
    def paragraph_words(self) -> str:
        """«§ 2 andre ledd bokstav a», or just the paragraph."""
        return " ".join(x for x in (self.paragraph or "", self.below_words) if x)


CoverRef = Annotated[str, Field(pattern=r"^([a-z0-9][a-z0-9-]*/)?[a-z0-9][a-z0-9-]*$")]
# A module-level alias: inside Block, «list» is the name of a block kind, not the builtin.
CoverList = list[CoverRef]
_COVERS = {
    "title": "Dekker punkter",
    "description": "Punkter i sjekklistene rutinen svarer til (routine.checklists) som denne delen dekker: "
    "punktets id, eller sjekkliste-id/punkt-id når to sjekklister har samme punkt-id.",
    "examples": [["samordning", "oppfolging-etter-utflytting"]],
}


class Block(Strict):
    """One block of a section; exactly one key is set."""

    text: Markdown | None = Field(None, title="Tekst", description="Tekst i Markdown.")
    responsibility: Responsibility | None = Field(None, title="Ansvar", description="En plikt og hvem som har den.")
    procedure: Procedure | None = Field(None, title="Prosedyre", description="En prosedyre med nummererte steg.")
    meeting: Meeting | None = Field(None, title="Møte", description="Et fast møte eller forum.")
    rule: TimeRule | None = Field(None, title="Tidsregel", description="En navngitt tidsregel, f.eks. maks botid.")
    phase: Phase | None = Field(None, title="Fase", description="En fase i en arbeidsprosess.")
    table: Table | None = Field(None, title="Tabell", description="En tabell.")
    contacts: ContactList | None = Field(None, title="Kontaktliste",
                                          description="En liste over kontaktpunkter med overskrift.")
    list: ItemList | None = Field(None, title="Liste", description="En liste med punkter.")
    levels: Levels | None = Field(None, title="Nivåmodell", description="En modell med nummererte nivåer.")
    measures: PlanMeasures | None = Field(None, title="Tiltak", description="Tiltakene i planen.")
    role: RoleDescription | None = Field(None, title="Rollebeskrivelse", description="Hva en rolle gjør.")
    caution: Caution | None = Field(None, description="Merknad som vises ved blokken: ordlyden kan være utdatert.", title="Merknad om endrede regler")
    covers: CoverList = Field(default_factory=CoverList, **_COVERS)
    source: Id | None = Field(
        None, title="Kilde for blokken",
        description="Id for en kilde i rutinens sources-liste, når blokken bygger på en annen kilde enn seksjonen.",
        examples=["veiviser-fase-2"])

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in self.model_fields_set if k not in _BLOCK_EXTRAS and getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("en blokk har nøyaktig én nøkkel med en verdi: " + ", ".join(BLOCK_KINDS))
        return self

    # Found once (pydantic supports cached_property; it is not a field): asked for about
    # 200,000 times a build at 1,000 routines.
    @cached_property
    def kind(self) -> str:
        return next(k for k in self.model_fields_set if k not in _BLOCK_EXTRAS and getattr(self, k) is not None)

    @property
    def value(self) -> Any:
        return getattr(self, self.kind)


def _block_types() -> dict[str, type | None]:
    """The block registry: each key a block may have -> its model (None for plain Markdown text).
    A new block kind is a model class, one optional field on Block, and its two templates,
    templates/blocks/<kind>.md.j2 (site) and <kind>.html.j2 (print)."""
    import typing

    out: dict[str, type | None] = {}
    for key, info in Block.model_fields.items():
        if key in _BLOCK_EXTRAS:
            continue
        model = next((a for a in typing.get_args(info.annotation) if isinstance(a, type) and issubclass(a, Strict)),
                     None)
        out[key] = model
    return out


BLOCK_TYPES = _block_types()
BLOCK_KINDS = tuple(BLOCK_TYPES)


class Section(Strict):
    id: Id = Field(title="Id")
    title: str = Field(title="Tittel", description="Overskriften.")
    search_terms: list[str] = search_terms_field()
    blocks: list[Block] = Field(default_factory=list, title="Blokker", description="Innholdet i avsnittet: tekst, prosedyrer, regler, møter og mer, i rekkefølge.")
    sections: list[Section] = Field(default_factory=list, title="Seksjoner", description="Avsnittene i rutinen, i rekkefølge; kan ha underavsnitt.")
    covers: CoverList = Field(default_factory=CoverList, **_COVERS)
    source: Id | None = Field(
        None, title="Kilde for seksjonen",
        description="Id for en kilde i rutinens sources-liste: seksjonen (med underseksjoner) bygger på den. "
        "Vises ved seksjonen.", examples=["veiviser-fase-2"])
    legal_basis: list[LegalRef] = Field(
        default_factory=list, title="Lovgrunnlag for seksjonen",
        description="Bestemmelsene akkurat denne seksjonen bygger på. Vises ved seksjonen.",
        examples=[[{"law": "krisesenterlova", "paragraph": "§ 2", "ledd": 2, "bokstav": "a"}]])


# --------------------------------------------------------------------------- routine


class Signatory(Strict):
    party: OrgId = Field(description="Parten (organisasjons-id) som signerer.", title="Part")
    role: Ref | None = Field(None, description="Rollen til den som signerer, f.eks. nav-leder.", title="Rollebeskrivelse")
    name: str | None = Field(None, description="Navn på den som signerer. Tomt når kilden ikke oppgir det.", title="Navn")
    fingerprints: list[Annotated[str, Field(pattern=r"^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$")]] = Field(
        default_factory=list,
        description="SHA-256-fingeravtrykk av sertifikatene som kan signere digitalt for parten "
        "(64 heksadesimale tegn, med eller uten kolon). Trengs når parten ikke har org_number.",
                                                                                                       title="Godkjente sertifikater",
)


class Signing(Strict):
    method: Literal["papir", "digital"] = Field(description="Hvordan rutinen ble signert.", title="Metode")
    place: str | None = Field(None, title="Sted", description="Stedet for signeringen.")
    date: dt.date | None = Field(None, title="Dato", description="Dato, skrevet ÅÅÅÅ-MM-DD.")
    signatories: list[Signatory] = Field(min_length=1, title="Signatarer", description="Én linje per part som signerer.")
    signed_copy: RepoPath | None = Field(None, description="Sti til signert kopi, hvis den finnes.", title="Signert kopi")
    note: str | None = Field(None, title="Merknad", description="Merknad til leseren.")


class Approval(Strict):
    by: str = Field(description="Hvem som vedtok, f.eks. «Styret i Krisesenteret i Moss IKS».", title="Vedtatt av")
    on: dt.date = Field(title="Vedtatt dato", description="Datoen for vedtaket.")
    organisation: OrgId | None = Field(None, title="Organisasjon", description="Id for organisasjonen.")
    source: SourceRef = Field(title="Kilde", description="Hvor opplysningene kommer fra.")


class NamedSource(Strict):
    id: Id = Field(description="Id som seksjoner og blokker viser til med source: <id>.", title="Id")
    document: Id = Field(description="Id for kildedokumentet (se data/sources.yml).", title="Dokument")
    where: str | None = Field(None, description="Hvor i kilden: avsnitt, side eller tabell.", title="Hvor i kilden")


class DocumentRef(Strict):
    document: DocumentId = Field(title="Dokument", description="Id for dokumentet (se data/documents/ eller data/sources.yml).")
    measures: list[str] = Field(default_factory=list, description="Tiltaksnumrene rutinen bygger på.", title="Tiltak")
    note: str | None = Field(None, title="Merknad", description="Merknad til leseren.")


class ChangeLogEntry(Strict):
    version: int = Field(ge=1, title="Versjon", description="Versjonsnummer.")
    date: dt.date = Field(title="Dato", description="Dato, skrevet ÅÅÅÅ-MM-DD.")
    summary: str = Field(title="Sammendrag", description="Kort sammendrag for forsiden og søk.")


class Attachment(Strict):
    id: Id = Field(title="Id")
    title: str = Field(title="Tittel", description="Overskriften.")
    file: RepoPath | None = Field(None, description="Filen, når vi har den. Tom når bare tittelen er kjent.", title="Fil")
    note: str | None = Field(None, title="Merknad", description="Merknad til leseren.")


class Period(Strict):
    first_year: int = Field(ge=1900, le=2100, title="Første år", description="Første år perioden gjelder.")
    last_year: int = Field(ge=1900, le=2100, title="Siste år", description="Siste år perioden gjelder.")

    @property
    def words(self) -> str:
        return words.period_words(self.first_year, self.last_year)

    @model_validator(mode="after")
    def _order(self):
        if self.last_year < self.first_year:
            raise ValueError("last_year kommer før first_year")
        return self


STATUS_WORDS = {"utkast": "Utkast", "gjeldende": "Gjeldende", "til-revisjon": "Til revisjon", "utgått": "Utgått"}

RoutineKind = Literal["samarbeidsrutine", "ansvarsdeling", "arbeidsprosess", "strategiplan", "rapport"]
KIND_WORDS = {
    "samarbeidsrutine": "Samarbeidsrutine",
    "ansvarsdeling": "Ansvarsdeling",
    "arbeidsprosess": "Arbeidsprosess",
    "strategiplan": "Strategiplan",
    "rapport": "Rapport",
}
# Kinds that are agreements between the parties: they get a signature page and one signature
# field per party. A plan, a work process or a report is published, not signed.
SIGNABLE_KINDS = frozenset({"samarbeidsrutine", "ansvarsdeling"})


class Routine(Entity):
    id: Id = Field(title="Id")
    title: str = Field(title="Tittel", description="Overskriften.")
    kind: RoutineKind = Field(title="Type", description="Hva slags ting dette er.")
    summary: Markdown = Field(description="Kort sammendrag for forsiden og søk.", title="Sammendrag")
    owner: OrgId | None = Field(None, description="Organisasjonen som eier rutinen. Tom når kilden ikke sier det.", title="Eier")
    parties: list[OrgId] = Field(default_factory=list, description="Partene (organisasjons-id-er).", title="Parter")
    external_actors: list[Ref] = Field(
        default_factory=list, description="Aktører som ikke er parter, men har steg i rutinen.", title="Eksterne aktører"
    )
    version: int = Field(ge=1, description="Versjonsnummer; økes ved hver innholdsendring.", title="Versjon")
    status: Literal["utkast", "gjeldende", "til-revisjon", "utgått"] = Field(title="Status", description="utkast, gjeldende, til-revisjon eller utgått.")
    valid_from: dt.date | None = Field(None, description="Datoen rutinen gjelder fra.", title="Gjelder fra")
    review_by: dt.date | None = Field(None, description="Datoen rutinen skal være evaluert/revidert innen.", title="Evalueres innen")
    period: Period | None = Field(None, description="Planperioden, for planer.", title="Planperiode")
    issued: str | None = Field(None, description="Utgivelsestid slik kilden oppgir den, f.eks. «mai 2019».", title="Utgitt")
    approved: Approval | None = Field(None, title="Vedtatt", description="Hvem som vedtok rutinen, og når.")
    signing: Signing | None = Field(None, title="Signering", description="Hvordan, hvor og når partene signerte.")
    legal_basis: list[LegalRef] = Field(default_factory=list, title="Lovgrunnlag", description="Lover og forskrifter rutinen bygger på.")
    governing_documents: list[DocumentRef] = Field(default_factory=list, title="Styringsdokumenter", description="Planer og veiledere rutinen bygger på.")
    sections: list[Section] = Field(min_length=1, title="Seksjoner", description="Avsnittene i rutinen, i rekkefølge; kan ha underavsnitt.")
    attachments: list[Attachment] = Field(default_factory=list, title="Vedlegg", description="Vedleggene.")
    change_log: list[ChangeLogEntry] = Field(min_length=1, title="Endringslogg", description="Én linje per versjon: hva som ble endret.")
    source: SourceRef = Field(title="Kilde", description="Hvor opplysningene kommer fra.")
    sources: list[NamedSource] = Field(
        default_factory=list, title="Flere kilder",
        description="Kilder til enkelte seksjoner og blokker, når rutinen bygger på flere dokumenter. "
        "Seksjoner og blokker viser til en kilde med source: <id>. En kilde ingen bruker, gir en advarsel.",
        examples=[[{"id": "veiviser-fase-2", "document": "seed-002", "where": "Fase 2"}]])
    checklists: list[ChecklistId] = Field(
        default_factory=list, title="Sjekklister",
        description="Sjekklistene rutinen svarer til (id i data/checklists/). Hvert punkt må dekkes (covers) "
        "eller forklares (not_applicable).", examples=[["krisesentertilbudet-krav"]])
    not_applicable: dict[Annotated[str, Field(pattern=r"^([a-z0-9][a-z0-9-]*/)?[a-z0-9][a-z0-9-]*$")],
                         Annotated[str, Field(min_length=1, pattern=r"\S")]] = Field(
        default_factory=dict, title="Gjelder ikke",
        description="Punkter i sjekklistene som ikke gjelder for rutinen, med begrunnelsen: {punkt-id: grunn}.",
        examples=[{"internkontroll": "Internkontrollen er kommunens ansvar og står i kommunens eget system."}])

    def walk_sections(self):
        """Yield (path, section) depth-first, path being the YAML path to the section."""
        stack = [(("sections", i), s) for i, s in reversed(list(enumerate(self.sections)))]
        while stack:
            path, section = stack.pop()
            yield path, section
            for i, sub in reversed(list(enumerate(section.sections))):
                stack.append((path + ("sections", i), sub))

    @property
    def signable(self) -> bool:
        """An agreement with parties: printed with a signature page, signed party by party."""
        return self.kind in SIGNABLE_KINDS and bool(self.parties)

    def clause_numbers(self) -> dict[str, str]:
        """Section id -> its clause number ('4', '4.2', '4.2.1'), in document order: the same
        numbers on the web page, in the PDF and in change summaries."""
        numbers: dict[str, str] = {}

        def walk(sections, prefix: str) -> None:
            for i, section in enumerate(sections, 1):
                number = f"{prefix}{i}"
                numbers.setdefault(section.id, number)
                walk(section.sections, number + ".")

        walk(self.sections, "")
        return numbers

    def walk_blocks(self):
        """Yield (path, block) for every block in every section."""
        for path, section in self.walk_sections():
            for i, block in enumerate(section.blocks):
                yield path + ("blocks", i), block


# --------------------------------------------------------------------------- checklists

# What a requirement may ask a routine to name; a part that covers the item without it is weak.
ASKS_WORDS = {"aktør": "hvem som gjør det", "frist": "en frist", "kontakt": "hvem man kontakter",
              "hyppighet": "hvor ofte"}
Asks = Literal["aktør", "frist", "kontakt", "hyppighet"]


class ChecklistSubItem(Strict):
    id: Id = Field(description="Id for underpunktet, unik i sjekklisten.", examples=["telefon"], title="Id")
    title: Label = Field(description="Kort tittel.", examples=["Telefon døgnet rundt"], title="Tittel")
    requirement: Markdown | None = Field(None, title="Krav", description="Hva kilden krever, med kildens ord.")
    legal: LegalRef | None = Field(None, title="Lovhenvisning",
                                   description="Bestemmelsen underpunktet kommer fra, når kilden sier det.")


class ChecklistItem(Strict):
    id: Id = Field(description="Id for punktet, unik i sjekklisten. Rutiner viser til den med covers.",
                   examples=["samordning"], title="Id")
    title: Label = Field(description="Kort tittel, f.eks. «Samordning med andre tjenester».",
                         examples=["Samordning med andre tjenester"], title="Tittel")
    requirement: Markdown = Field(
        title="Krav", description="Hva kilden krever, gjengitt eller referert uten å legge til noe.",
        examples=["Krisesenteret og andre offentlige tjenester skal være samordnet og gi brukeren helhetlig oppfølging."])
    legal: LegalRef | None = Field(None, title="Lovhenvisning",
                                   description="Bestemmelsen kravet kommer fra, når kilden sier det.")
    asks_for: list[Asks] = Field(
        default_factory=list, title="Krever",
        description="Hva en rutine må si for å dekke punktet: aktør (hvem), frist, kontakt (hvem man "
        "kontakter) og hyppighet (hvor ofte). Dekkes punktet bare av tekst uten dette, er det svakt dekket.",
        examples=[["aktør", "hyppighet"]])
    items: list[ChecklistSubItem] = Field(default_factory=list, title="Underpunkter", description="Punktene i listen.")
    where: str | None = Field(None, title="Hvor i kilden", description="Avsnitt eller side i kilden.")


class Checklist(Entity):
    """What a routine of some kinds must cover, from a cited public source."""

    id: Id = Field(title="Id")
    title: Label = Field(description="Sjekklistens tittel.", examples=["Krav til krisesentertilbudet"], title="Tittel")
    summary: Markdown = Field(description="Hva sjekklisten er, og hvem den gjelder for.", title="Sammendrag")
    applies_to: list[RoutineKind] = Field(
        min_length=1, title="Gjelder for", description="Slagene rutiner sjekklisten gjelder for.",
        examples=[["samarbeidsrutine"]])
    version: int = Field(ge=1, description="Versjonsnummer; økes ved hver innholdsendring.", title="Versjon")
    status: Literal["utkast", "gjeldende", "utgått"] = Field("gjeldende", title="Status", description="utkast, gjeldende, til-revisjon eller utgått.")
    items: list[ChecklistItem] = Field(min_length=1, title="Punkter", description="Punktene i listen.")
    change_log: list[ChangeLogEntry] = Field(min_length=1, title="Endringslogg", description="Én linje per versjon: hva som ble endret.")
    source: SourceRef = Field(description="Den offentlige kilden punktene kommer fra (med dato og adresse i "
                                          "data/sources.yml).", title="Kilde")

    def all_ids(self) -> dict[str, tuple[ChecklistItem, ChecklistSubItem | None]]:
        """Every item and sub-item id -> (item, sub-item or None)."""
        out: dict[str, tuple] = {}
        for item in self.items:
            out.setdefault(item.id, (item, None))
            for sub in item.items:
                out.setdefault(sub.id, (item, sub))
        return out


# --------------------------------------------------------------------------- decision trees


class Option(Strict):
    label: Label = Field(description="Svaret leseren kan velge, f.eks. «Ja» eller «Nei».", title="Svar")
    next: Id = Field(description="Id for noden svaret fører til.", title="Neste")


class Outcome(Strict):
    title: Label = Field(description="Kort overskrift for utfallet, f.eks. «NAV Moss».", title="Tittel")
    text: Markdown = Field(description="Hva som skjer, skrevet for leseren.", title="Tekst")
    responsible: list[Ref] = Field(default_factory=list, description="Hvem som har ansvaret (rolle eller organisasjon).", title="Ansvarlig")
    contacts: list[Ref] = Field(default_factory=list, description="Kontaktpunkter: organisasjon eller organisasjon/kontakt-id.", title="Kontakter")
    routine: RoutineId | None = Field(None, description="Rutinen utfallet bygger på (standard: treets rutine).", title="Rutine")
    section: Id | None = Field(None, description="Seksjonen i rutinen utfallet bygger på.", title="Seksjon")
    deadline: Deadline | None = Field(None, description="Frist, når det er en.", title="Frist")


class TreeNode(Strict):
    id: Id = Field(description="Id for noden, unik i treet.", title="Id")
    question: Label | None = Field(None, description="Spørsmålet, når noden er et spørsmål.", title="Spørsmål")
    help: Markdown | None = Field(None, description="Hjelpetekst til spørsmålet.", title="Hjelpetekst")
    options: list[Option] = Field(default_factory=list, description="Svaralternativene til spørsmålet.", title="Svar")
    outcome: Outcome | None = Field(None, description="Utfallet, når noden er et svar.", title="Utfall")

    @model_validator(mode="after")
    def _question_or_outcome(self):
        if (self.question is None) == (self.outcome is None):
            raise ValueError("en node er enten et spørsmål (question) eller et utfall (outcome)")
        if self.outcome is not None and self.options:
            raise ValueError("et utfall kan ikke ha svaralternativer (options)")
        return self


class Tree(Entity):
    id: Id = Field(title="Id")
    title: Label = Field(description="Spørsmålet treet svarer på, f.eks. «Hvilket NAV-kontor skal dekke livsopphold?»", title="Tittel")
    summary: Markdown = Field(description="Hva veiviseren hjelper med, for forsiden og søk.", title="Sammendrag")
    audience: Literal["ansatte", "hjelpsøkende"] = Field(
        "ansatte", description="Hvem veiviseren er skrevet for: ansatte i tjenestene (standard) eller den som søker hjelp.", title="Skrevet for"
    )
    routine: RoutineId = Field(description="Rutinen treet er hentet fra.", title="Rutine")
    section: Id | None = Field(None, description="Seksjonen i rutinen treet bygger på.", title="Seksjon")
    start: Id = Field(description="Id for det første spørsmålet.", title="Start")
    nodes: list[TreeNode] = Field(min_length=1, title="Noder", description="Spørsmålene og utfallene i veiviseren.")
    source: SourceRef = Field(title="Kilde", description="Hvor opplysningene kommer fra.")

# The kinds of data file (folder, model, words, pages) are registered in kinds.py.
