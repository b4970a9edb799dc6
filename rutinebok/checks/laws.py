"""Laws: a routine's legal basis must exist, and changes to it since approval are flagged."""

from __future__ import annotations

from ..findings import did_you_mean
from ..words import date_words
from .registry import Notice, define, rule

_LAW_NOTICE = Notice("Loven er endret etter at rutinen ble skrevet", "info")
_CHANGE_WORDS = {"endret": "endret", "omskrevet": "skrevet om", "opphevet": "opphevet",
                 "henvisning": "gjort om til en henvisning"}

define("RB022", "law-changed", "advarsel", """
    En lov eller paragraf rutinen viser til, er endret eller opphevet; rutinen har ingen
    vedtaksdato å sammenligne med.""", "lover", notice=_LAW_NOTICE)


@rule("RB021", "law-changed-after-approval", "advarsel", family="lover", kind="routines",
      notice=_LAW_NOTICE, also=("RB022", "RB010"))
def legal_basis(ctx, r, src) -> None:
    """En lov eller paragraf rutinen viser til, ble endret eller opphevet etter at rutinen ble
    vedtatt. Leserne ser en merknad om endringen."""
    approved = r.approved.on if r.approved else (r.signing.date if r.signing else None)
    code = "RB021" if approved else "RB022"
    for i, lr in enumerate(r.legal_basis):
        path = ("legal_basis", i)
        if not ctx.ref(src, path + ("law",), lr.law, ctx.ds.laws, "lov eller forskrift"):
            continue
        law = ctx.ds.laws[lr.law]
        if law.repealed_on and (approved is None or law.repealed_on > approved):
            ctx.add(src, code, path + ("law",), f"{law.short_name or law.title} ble opphevet {date_words(law.repealed_on)}")
        if lr.paragraph is None:
            continue
        paragraphs = {p.id: p for p in law.paragraphs}
        para = paragraphs.get(lr.paragraph)
        if para is None:
            ctx.add(src, "RB010", path + ("paragraph",), f"{law.short_name or law.title} har ikke {lr.paragraph} i dataene",
                    did_you_mean(lr.paragraph, paragraphs) or f"legg paragrafen inn i {law.file}")
            continue
        name = f"{law.short_name or law.title} {para.id}"
        for change in para.changes:
            what = _CHANGE_WORDS[change.kind]
            if approved and change.date > approved:
                ctx.add(src, "RB021", path + ("paragraph",),
                        f"{name} ble {what} {date_words(change.date)}, etter at rutinen ble vedtatt "
                        f"{date_words(approved)}: {change.summary}", "kontroller at rutinen fortsatt stemmer")
            elif approved is None:
                ctx.add(src, "RB022", path + ("paragraph",), f"{name} ble {what} {date_words(change.date)}: {change.summary}",
                        "rutinen har ingen vedtaksdato; kontroller at den fortsatt stemmer med loven")
