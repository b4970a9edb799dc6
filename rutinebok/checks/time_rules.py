"""Deadlines and time rules: named rules agree everywhere; steps fit their procedure's limit."""

from __future__ import annotations

import datetime as dt

from ..words import date_words
from .registry import check, define, rule


@check("routines", codes=("RB010",))
def deadline_references(ctx, r, src) -> None:
    for path, block in r.walk_blocks():
        kind, value = block.kind, block.value
        if kind == "procedure":
            ctx.deadline(src, path + (kind, "limit"), value.limit)
            for i, step in enumerate(value.steps):
                ctx.deadline(src, path + (kind, "steps", i, "deadline"), step.deadline)
        elif kind == "responsibility":
            ctx.deadline(src, path + (kind, "deadline"), value.deadline)


@rule("RB019", "rule-value-conflict", "feil", family="tidsregler", kind="routines")
def rule_values(ctx, r, src) -> None:
    """Den samme navngitte tidsregelen har ulik verdi i to rutiner (eller to steder i én)."""
    for path, block in r.walk_blocks():
        rule_ = block.rule
        if rule_ is None:
            continue
        first_routine, _, first = ctx.rules[rule_.id]
        if first is rule_ or (first.value == rule_.value and first.starts == rule_.starts):
            continue

        def show(x):
            return x.value.words if x.value else date_words(x.starts)

        ctx.add(src, "RB019", path + ("rule", "value"),
                f"tidsregelen «{rule_.id}» er {show(rule_)} her, men {show(first)} i {first_routine.file}",
                "samme regel må ha samme verdi overalt; rett den som er feil")


define("RB040", "steps-exceed-limit", "advarsel", """
    Fristene i stegene blir til sammen lengre enn rammen for prosedyren. Det kan være riktig
    når stegene går parallelt; sjekk det.""", "tidsregler")


@rule("RB020", "step-exceeds-limit", "feil", family="tidsregler", kind="routines", also=("RB040",))
def step_limits(ctx, r, src) -> None:
    """En frist i et steg er lengre enn rammen (`limit`) for hele prosedyren."""
    for path, block in r.walk_blocks():
        if block.kind == "procedure":
            _procedure(ctx, src, path + ("procedure",), block.procedure)


def _procedure(ctx, src, path: tuple, proc) -> None:
    limit = ctx.deadline_duration(proc.limit)
    if limit is None:
        return
    total_reported = False
    origin = dt.datetime(2001, 1, 1)
    moment = origin
    for i, step in enumerate(proc.steps):
        d = ctx.deadline_duration(step.deadline)
        if d is None:
            continue
        moment = d.after(moment)
        spath = path + ("steps", i, "deadline")
        if d.sort_key() > limit.sort_key():
            ctx.add(src, "RB020", spath, f"fristen {d.words} er lengre enn rammen for prosedyren ({limit.words})",
                    "korte ned fristen, eller rett rammen")
        elif not total_reported and moment > limit.after(origin):
            total_reported = True
            ctx.add(src, "RB040", spath,
                    f"fristene til og med steg {i + 1} blir til sammen lengre enn rammen ({limit.words})",
                    "sjekk om stegene kan gå parallelt, eller rett fristene")
