"""Dates against each other and against today: review, plan period, effective date."""

from __future__ import annotations

from ..words import date_words
from .registry import Notice, rule


@rule("RB015", "review-before-effective", "feil", family="datoer", kind="routines")
def review_before_effective(ctx, r, src) -> None:
    """Revisjonsdatoen (`review_by`) kommer før, eller samme dag som, rutinen trer i kraft."""
    if r.valid_from and r.review_by and r.review_by <= r.valid_from:
        ctx.add(src, "RB015", ("review_by",),
                f"revisjonsdatoen {date_words(r.review_by)} er ikke etter at rutinen trer i kraft "
                f"({date_words(r.valid_from)})", "en rutine må gjelde en stund før den revideres")


@rule("RB012", "review-overdue", "advarsel", family="datoer", kind="routines",
      notice=Notice("Evalueringen er forsinket", text="Rutinen skulle vært evaluert innen {review_by}. "
                   "Innholdet kan være utdatert; kontakt eieren før du bruker den."))
def review_overdue(ctx, r, src) -> None:
    """Datoen rutinen skulle vært evaluert innen (`review_by`), har passert. Leserne ser en
    merknad om at innholdet kan være utdatert."""
    if r.status != "utgått" and r.review_by and r.review_by < ctx.today:
        years = (ctx.today - r.review_by).days // 365
        ago = f", for {years} år siden" if years >= 1 else ""
        ctx.add(src, "RB012", ("review_by",),
                f"rutinen skulle vært evaluert innen {date_words(r.review_by)}{ago}",
                "evaluer rutinen og sett ny review_by, eller sett status: utgått")


@rule("RB013", "plan-period-ended", "advarsel", family="datoer", kind="routines",
      notice=Notice("Planperioden er over",
                   text="Planen gjaldt for {period}. Det finnes kanskje en nyere plan."))
def plan_period_ended(ctx, r, src) -> None:
    """Perioden planen gjelder for, er over. Leserne ser en merknad om at det kan finnes en
    nyere plan."""
    if r.status != "utgått" and r.period and r.period.last_year < ctx.today.year:
        ctx.add(src, "RB013", ("period", "last_year"), f"planperioden {r.period.words} er over",
                "lag en ny plan, eller sett status: utgått")
