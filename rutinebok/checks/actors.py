"""Actors in a routine's blocks: every one must exist, and one with a task must be a party
(or declared external, or be the person the routine is for)."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import JOINT_ACTORS
from .registry import rule

# Per block kind: (path inside the block, actor, is it a task) for each actor it names. A task
# must belong to a party; someone to contact or inform need only exist.
Actors = Iterator[tuple[tuple, str, bool]]


def _procedure(v) -> Actors:
    for i, step in enumerate(v.steps):
        if step.actor not in JOINT_ACTORS:  # «alle involverte» is a value, not a role to look up
            yield ("steps", i, "actor"), step.actor, True
        for j, who in enumerate(step.together_with):
            yield ("steps", i, "together_with", j), who, True
        for j, t in enumerate(step.to):
            yield ("steps", i, "to", j), t, False


def _responsibility(v) -> Actors:
    for i, a in enumerate(v.responsible):
        yield ("responsible", i), a, True


def _meeting(v) -> Actors:
    yield ("convener",), v.convener, True
    for i, a in enumerate(v.participants):
        yield ("participants", i), a, False


def _rule(v) -> Actors:
    for i, a in enumerate(v.applies_to):
        yield ("applies_to", i), a, False


def _phase(v) -> Actors:
    for i, t in enumerate(v.tasks):
        yield ("tasks", i, "actor"), t.actor, True
    for i, alt in enumerate(v.alternatives):
        for j, c in enumerate(alt.contacts):
            yield ("alternatives", i, "contacts", j), c, False


def _contacts(v) -> Actors:
    for i, c in enumerate(v.entries):
        yield ("entries", i), c, False


def _levels(v) -> Actors:
    for i, level in enumerate(v.levels):
        for j, c in enumerate(level.coordinator):
            yield ("levels", i, "coordinator", j), c, False


def _role(v) -> Actors:
    yield ("actor",), v.actor, False


ACTORS = {"procedure": _procedure, "responsibility": _responsibility, "meeting": _meeting, "rule": _rule,
          "phase": _phase, "contacts": _contacts, "levels": _levels, "role": _role}


@rule("RB018", "actor-not-party", "feil", family="aktører", kind="routines", also=("RB010", "RB029"))
def block_actors(ctx, r, src) -> None:
    """Et steg eller ansvar er gitt til noen som ikke er part (eller erklært som ekstern
    aktør i `external_actors`)."""
    for path, block in r.walk_blocks():
        kind = block.kind
        actors = ACTORS.get(kind)
        for sub, actor, task in actors(block.value) if actors else ():
            if task:
                ctx.party_actor(src, path + (kind, *sub), actor, r)
            else:
                ctx.actor(src, path + (kind, *sub), actor)
