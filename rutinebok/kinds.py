"""The kinds of data file: one record per kind, and every stage loops over them.

Loading (which folder holds which model), the schema, the checks (the Norwegian noun in a
message, which checks run), `rutinebok new` (the scaffold) and `rutinebok codeowners` (who
reviews a change) read this registry, so a new kind is one `register(Kind(...))` beside its
model, plus its templates and checks. Nothing looks a kind up by a hard-coded name list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from . import model

# Who is asked to review a change to a file of this kind (see codeowners.py):
# "self": the organisation's own reviewers; "parties": the routine's owner and parties;
# "routine": whoever reviews the routine the file belongs to (its `routine` field);
# "editors": the editorial team.
Review = Literal["self", "parties", "routine", "editors"]

EDITORS = "@rutinebok/redaksjon"


@dataclass(frozen=True)
class Kind:
    """One kind of data file.

    `name` is the key everywhere (Dataset.by_kind, schema file name, JSON output). A kind
    lives either in a folder of one-entity files (`folder`, data/<folder>/<id>.yml) or in
    one file (`file`, data/<file>).
    """

    name: str
    model: type[model.Entity]
    noun: str  # Norwegian, singular, as in a sentence: «ukjent rutine»
    plural: str  # «rutiner»
    title: str  # Norwegian heading: «Rutine» (schema title)
    folder: str | None = None
    file: str | None = None
    site_folder: str | None = None  # folder of its pages on the site, when it has pages
    template: str | None = None  # page template (templates/site/<template>)
    scaffold: str | None = None  # text for `rutinebok new` (str.format fields: see new.py)
    new_word: str | None = None  # the word for `rutinebok new <word> <id>`
    review: Review = "editors"
    has_pdf: bool = False

    def __post_init__(self):
        if (self.folder is None) == (self.file is None):
            raise ValueError(f"kind {self.name}: exactly one of folder and file")

    @property
    def single(self) -> bool:
        """One file holds the whole kind (glossary, sources)."""
        return self.file is not None


_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in _KINDS:
        raise ValueError(f"kind {kind.name} is already registered")
    for other in _KINDS.values():
        if (kind.folder and kind.folder == other.folder) or (kind.file and kind.file == other.file):
            raise ValueError(f"kind {kind.name} uses the same place as {other.name}")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


@contextlib.contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """A kind for the duration of a block (tests and plug-ins that add a kind for a run)."""
    register(kind)
    try:
        yield kind
    finally:
        unregister(kind.name)


def all_kinds() -> list[Kind]:
    return list(_KINDS.values())


def folder_kinds() -> list[Kind]:
    return [k for k in _KINDS.values() if k.folder]


def file_kinds() -> list[Kind]:
    return [k for k in _KINDS.values() if k.file]


def get(name: str) -> Kind:
    return _KINDS[name]


def by_folder(folder: str) -> Kind | None:
    return next((k for k in _KINDS.values() if k.folder == folder), None)


def by_file(file_name: str) -> Kind | None:
    return next((k for k in _KINDS.values() if k.file == file_name), None)


def by_new_word(word: str) -> Kind | None:
    return next((k for k in _KINDS.values() if k.new_word == word), None)


def noun(name: str) -> str:
    """The Norwegian noun for a kind; never fails, so a message about a new kind still reads."""
    kind = _KINDS.get(name)
    return kind.noun if kind else name


# --------------------------------------------------------------------------- the built-in kinds

_ORGANISATION = """\
# {id}: ny organisasjon. Fyll inn bare det en offentlig kilde oppgir; gjett aldri.
id: {id}
name: Navnet på organisasjonen
kind: annet  # krisesenter, nav-kontor, kommune, kommunal-enhet, politi, stiftelse, statlig, forum, ...
contacts: []  # legg til kontaktpunkter med kilde, f.eks. telefon til tjenesten
source: {{document: {source}}}  # kildedokumentet (se data/sources.yml)
"""

_ROLE = """\
# {id}: ny rolle.
id: {id}
name: Navnet på rollen
organisation_kinds: [{org_kind}]  # hvor rollen finnes; eller organisations: [id, ...]
description: >-
  Hva rollen gjør, kort og i klarspråk.
source: {{document: {source}}}
"""

_ROUTINE = """\
# {id}: ny rutine. Fyll inn, og kjør `rutinebok check` for å se hva som mangler.
id: {id}
title: Tittel på rutinen
kind: samarbeidsrutine  # samarbeidsrutine, ansvarsdeling, arbeidsprosess, strategiplan eller rapport
summary: >-
  Ett eller to setninger om hva rutinen gjelder.
owner: {owner}  # organisasjonen som eier rutinen
parties: [{owner}]  # partene; hver part trenger en linje under signing.signatories når rutinen signeres
version: 1
status: utkast  # utkast, gjeldende, til-revisjon eller utgått
sections:
  - id: formal
    title: Formål
    blocks:
      - text: >-
          Hva rutinen skal sikre.
change_log:
  - version: 1
    date: {today}
    summary: Første utkast.
source: {{document: {source}}}
"""

_TREE = """\
# {id}: ny veiviser. Hvert spørsmål har svar (options) som fører til et nytt spørsmål eller et utfall.
id: {id}
title: Spørsmålet veiviseren svarer på?
summary: >-
  Hva veiviseren hjelper med.
routine: {routine}  # rutinen veiviseren bygger på
start: forste-sporsmal
nodes:
  - id: forste-sporsmal
    question: Første spørsmål?
    options:
      - label: Ja
        next: svar-ja
      - label: Nei
        next: svar-nei
  - id: svar-ja
    outcome:
      title: Hva som skjer ved ja
      text: Forklar hva som skjer, og hvem som har ansvaret.
      responsible: [{owner}]
  - id: svar-nei
    outcome:
      title: Hva som skjer ved nei
      text: Forklar hva som skjer, og hvem som har ansvaret.
      responsible: [{owner}]
source: {{document: {source}}}
"""

ORGANISATIONS = register(Kind(
    "organisations", model.Organisation, "organisasjon", "organisasjoner", "Organisasjon",
    folder="organisations", site_folder="organisasjoner", template="organisation.md.j2",
    scaffold=_ORGANISATION, new_word="organisation", review="self"))
ROLES = register(Kind(
    "roles", model.Role, "rolle", "roller", "Rolle", folder="roles", site_folder="roller",
    template="role.md.j2", scaffold=_ROLE, new_word="role", review="editors"))
ROUTINES = register(Kind(
    "routines", model.Routine, "rutine", "rutiner", "Rutine", folder="routines",
    site_folder="rutiner", template="routine.md.j2", scaffold=_ROUTINE, new_word="routine",
    review="parties", has_pdf=True))
LAWS = register(Kind(
    "laws", model.Law, "lov", "lover og forskrifter", "Lov eller forskrift", folder="laws",
    template="laws.md.j2", review="editors"))
DOCUMENTS = register(Kind(
    "documents", model.Document, "dokument", "styringsdokumenter", "Styringsdokument",
    folder="documents", review="editors"))
TREES = register(Kind(
    "trees", model.Tree, "veiviser", "veivisere", "Veiviser", folder="trees",
    site_folder="veivisere", template="tree.md.j2", scaffold=_TREE, new_word="tree",
    review="routine"))
GLOSSARY = register(Kind(
    "glossary", model.Glossary, "ordliste", "ordlister", "Ordliste", file="glossary.yml",
    review="editors"))
CHECKLISTS = register(Kind(
    "checklists", model.Checklist, "sjekkliste", "sjekklister", "Sjekkliste", folder="checklists",
    site_folder="sjekklister", template="checklist.md.j2", review="editors"))
SOURCES = register(Kind(
    "sources", model.Sources, "kilde", "kilder", "Kilder", file="sources.yml", review="editors"))
