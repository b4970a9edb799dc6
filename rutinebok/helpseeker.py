"""Help-seeker paths: step-by-step pages for someone living at a crisis centre.

The page's sentences to «du» are written in the template; every fact on it (deadlines,
qualifiers, who helps, phone numbers, web addresses) is looked up here from the loaded
data, so the path says exactly what the routine pages say. A reference that no longer
resolves stops the build with a Norwegian message instead of publishing a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from .load import Dataset


class PathError(Exception):
    """The path refers to something the data no longer holds."""


@dataclass
class Rule:
    """A named time rule as readers see it: «normalt maks» + «3 måneder»."""

    id: str
    name: str
    words: str  # qualifier and value, as on the routine page
    text: str
    section_id: str


@dataclass
class StepFact:
    """One procedure step: who, what, on which condition, by when."""

    procedure: str
    number: int
    actor: str
    action: str
    condition: str
    deadline: str
    section_id: str


class HelpPath:
    """Lookups into one routine (and the data set) for a help-seeker template."""

    def __init__(self, renderer, routine_id: str):
        self.r = renderer
        self.ds: Dataset = renderer.ds
        if routine_id not in self.ds.routines:
            raise PathError(f"hjelpesiden bygger på rutinen «{routine_id}», som ikke finnes i data/routines")
        self.routine = self.ds.routines[routine_id]
        self.used: list[tuple[str, str]] = []  # (kind, id) of every fact shown: the test compares them

    def _where(self, predicate):
        for _, section in self.routine.walk_sections():
            for block in section.blocks:
                if predicate(block):
                    return section, block
        return None, None

    def rule(self, rule_id: str) -> Rule:
        section, block = self._where(lambda b: b.kind == "rule" and b.rule.id == rule_id)
        if block is None:
            raise PathError(f"hjelpesiden viser tidsregelen «{rule_id}», som ikke finnes i «{self.routine.id}»")
        v = block.rule
        words = f"{v.qualifier + ' ' if v.qualifier else ''}{v.value.words}" if v.value else ""
        self.used.append(("rule", rule_id))
        return Rule(v.id, v.name, words, v.text, section.id)

    def step(self, procedure_id: str, number: int) -> StepFact:
        section, block = self._where(lambda b: b.kind == "procedure" and b.procedure.id == procedure_id)
        if block is None or not 1 <= number <= len(block.procedure.steps):
            raise PathError(f"hjelpesiden viser steg {number} i prosedyren «{procedure_id}», som ikke finnes")
        s = block.procedure.steps[number - 1]
        self.used.append(("step", f"{procedure_id}/{number}"))
        return StepFact(block.procedure.title, number, s.actor, s.action, s.condition or "",
                        self.r.deadline(s.deadline), section.id)

    def limit(self, procedure_id: str) -> str:
        _, block = self._where(lambda b: b.kind == "procedure" and b.procedure.id == procedure_id)
        if block is None or block.procedure.limit is None:
            raise PathError(f"hjelpesiden viser rammen for prosedyren «{procedure_id}», som ikke har noen")
        return self.r.deadline(block.procedure.limit)

    def sentence(self, section_id: str, word: str) -> str:
        """The sentence of a text block in a section that contains `word` (quoted, not retyped)."""
        for _, section in self.routine.walk_sections():
            if section.id != section_id:
                continue
            for block in section.blocks:
                if block.kind != "text":
                    continue
                text = " ".join(block.value.split())
                for sentence in _sentences(text):
                    if word.lower() in sentence.lower():
                        self.used.append(("sentence", f"{section_id}/{word}"))
                        return sentence
        raise PathError(f"hjelpesiden siterer en setning med «{word}» i avsnittet «{section_id}», "
                        f"men den finnes ikke i «{self.routine.id}»")

    def alternative(self, routine_id: str, alt_id: str):
        routine = self.ds.routines.get(routine_id)
        for _, section in (routine.walk_sections() if routine else []):
            for block in section.blocks:
                if block.kind != "phase":
                    continue
                for alt in block.value.alternatives:
                    if alt.id == alt_id:
                        self.used.append(("alternative", f"{routine_id}/{alt_id}"))
                        return alt
        raise PathError(f"hjelpesiden viser alternativet «{alt_id}» i «{routine_id}», som ikke finnes")

    def contact(self, ref: str):
        """(organisation, contact) for 'org/contact'."""
        entries = self.r.contact_entries(ref)
        if len(entries) != 1 or "/" not in ref:
            raise PathError(f"hjelpesiden viser kontaktpunktet «{ref}», som ikke finnes i data/organisations")
        self.used.append(("contact", ref))
        return entries[0]

    def term(self, word: str) -> str:
        terms = self.ds.glossary.terms if self.ds.glossary else []
        for t in terms:
            if t.term.lower() == word.lower():
                self.used.append(("term", t.term))
                return t.explanation
        raise PathError(f"hjelpesiden forklarer «{word}», som ikke står i data/glossary.yml")

    def section_href(self, section_id: str, base: str = "../") -> str:
        return f"{base}rutiner/{self.routine.id}.md#{section_id}"


def _sentences(text: str) -> list[str]:
    """Split at a full stop followed by a capital letter; «nr. 3» and «jf. tiltak» stay whole."""
    out, start = [], 0
    for i, ch in enumerate(text):
        if ch not in ".!?" or text[max(0, i - 3):i].endswith(("nr", "jf")):
            continue
        at_end = i + 1 == len(text)
        next_starts = text[i + 1:i + 2] == " " and text[i + 2:i + 3].isupper()
        if at_end or next_starts:
            out.append(text[start:i + 1].strip())
            start = i + 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out
