"""The run loop: every registered check, over every entity of its kind, then the whole set."""

from __future__ import annotations

import datetime as dt

from .. import kinds
from ..findings import Finding
from ..load import Dataset
from .context import Context
from .registry import CHECKS


class Checker(Context):
    """A context that runs the registered checks (tests and benchmarks run one entity)."""

    def check_entity(self, entity, kind: str, without: tuple[str, ...] = ()) -> list[Finding]:
        """Run the checks of `kind` on one entity, except those reporting a code in `without`."""
        src = self.ds.source_of(entity)
        for c in CHECKS:
            if c.kind == kind and not set(c.codes) & set(without):
                c.fn(self, entity, src)
        return self.out

    def run(self) -> list[Finding]:
        for kind in kinds.all_kinds():
            checks = [c.fn for c in CHECKS if c.kind == kind.name]
            if not checks:
                continue
            entities = ([self.ds.single(kind.name)] if kind.single else self.ds.by_kind(kind.name).values())
            for entity in entities:
                if entity is None:
                    continue
                src = self.ds.source_of(entity)
                for fn in checks:
                    fn(self, entity, src)
        for c in CHECKS:
            if c.kind is None:
                c.fn(self)
        return self.out


def run_checks(ds: Dataset, today: dt.date) -> list[Finding]:
    return Checker(ds, today).run()
