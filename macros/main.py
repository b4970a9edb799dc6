"""mkdocs-macros module: small building blocks for the hand-written pages in content/.

The macros never read YAML: they ask the engine's renderer, which the MkDocs plugin sets up.
A builder without the plugin (Zensical runs the macros but no MkDocs plugins) gets it from the
engine here, from the same mkdocs.yml.
"""

from __future__ import annotations

from rutinebok.escape import html_text, md_text, md_url
from rutinebok.render import plain

# More crisis centres than this: the home page links to the area pages instead of listing them.
MAX_CENTRES_ON_HOME = 3
# More routines than this: the home page links to the list and the area pages instead of listing
# them (at 5,000 routines the list was 1.2 MB of text on the page a reader in a hurry opens first).
MAX_ROUTINES_ON_HOME = 40


def _routine_list(r) -> str:
    if len(r.ds.routines) > MAX_ROUTINES_ON_HOME:
        count = f"{len(r.ds.routines):,}".replace(",", "\u00a0")  # 13 000: Norwegian digit groups
        return (f"Det er {count} rutiner. [Velg kommunen din](omrade/index.md) for å se rutinene "
                "som gjelder der, eller se [alle rutinene](rutiner/index.md).")
    return "\n".join(f"- [{md_text(x.title)}](rutiner/{x.id}.md): {r.md(' '.join(x.summary.split()), '')}"
                     for x in sorted(r.ds.routines.values(), key=lambda x: x.title))


class MacroError(Exception):
    """A macro in a hand-written page names something the data does not have."""


def _known(table: dict, key: str, what: str, example: str):
    """table[key], or an error that says what was asked for and what exists."""
    if key in table:
        return table[key]
    import difflib

    guess = difflib.get_close_matches(str(key), list(table), n=1)
    hint = f"; mente du «{guess[0]}»?" if guess else f"; skriv id-en som i data/, for eksempel «{example}»"
    raise MacroError(f"fant ingen {what} med id «{key}» i data/{hint}")


def define_env(env):
    def renderer():
        extra = env.conf["extra"]
        if "rutinebok_runtime" not in extra:
            from pathlib import Path

            from rutinebok.site import Engine, Project

            config_file = env.conf.get("config_file_path") or env.project_dir + "/mkdocs.yml"
            extra["rutinebok_runtime"] = Engine(Project.from_mkdocs(Path(config_file), serve=True)).renderer
        return extra["rutinebok_runtime"]

    @env.macro
    def emergency_numbers() -> str:
        """The emergency numbers as tappable tel: links, local crisis centre last."""
        r = renderer()
        rows = []
        # The national services, then the crisis centres the data has a phone number for. A
        # site for many municipalities names no one centre for everybody: it links to the
        # area pages, where each municipality's own centre is listed.
        national = [
            ("politiet-nodnummer", "nodnummer", "Politi – ved fare"),
            ("medisinsk-nodhjelp", "nodnummer", "Ambulanse og akutt helsehjelp"),
            ("vold-og-overgrepslinjen", "telefon", "Vold- og overgrepslinjen – døgnåpen, gratis, du kan være anonym"),
            ("alarmtelefonen", "telefon", "Alarmtelefonen for barn og unge – gratis"),
        ]
        centres = []
        for o in sorted(r.ds.organisations.values(), key=lambda o: o.name.lower()):
            phone = next((c for c in o.contacts if c.phone), None)
            if o.kind == "krisesenter" and phone is not None and not r.ended(o.id):
                centres.append((o.id, phone.id, f"{o.short_name or o.name} – {phone.label[:1].lower()}{phone.label[1:]}"))
        many = len(centres) > MAX_CENTRES_ON_HOME
        for org_id, contact_id, text in national + ([] if many else centres):
            org = r.ds.organisations.get(org_id)
            contact = next((c for c in org.contacts if c.id == contact_id), None) if org else None
            if contact is None or not contact.phone:
                continue
            note = ""
            if contact.as_of and (r.opt.today - contact.as_of).days > 3 * 365:
                note = f" (nummeret er oppgitt i {contact.as_of.year} og ikke bekreftet senere)"
            rows.append(f'<li><a class="rb-tel" href="{html_text(r.tel(contact.phone))}"><span class="rb-tel__number">'
                        f'{html_text(contact.phone)}</span> <span class="rb-tel__label">{html_text(text + note)}'
                        '</span></a></li>')
        if many:
            rows.append('<li><a class="rb-tel" href="omrade/"><span class="rb-tel__label">'
                        f'Krisesenteret der du bor: velg kommune ({len(centres)} krisesentre)</span></a></li>')
        return '<ul class="rb-emergency" aria-label="Nødnumre">' + "".join(rows) + "</ul>"

    @env.macro
    def contact_card(org_id: str) -> str:
        r = renderer()
        org = _known(r.ds.organisations, org_id, "organisasjon", "krisesenteret-i-moss")
        lines = [f"**[{md_text(org.name)}](organisasjoner/{org.id}.md)**", ""]
        for c in org.contacts:
            value = (f"[{md_text(c.phone)}]({r.tel(c.phone)})" if c.phone else
                     f"[{md_text(c.email)}]({md_url('mailto:' + c.email)})" if c.email else
                     f"[{md_text(c.web)}]({md_url(c.web)})" if c.web else plain(c.address))
            lines.append(f"- {plain(c.label)}: {value}")
        return "\n".join(lines)

    @env.macro
    def routine_list() -> str:
        return _routine_list(renderer())

    @env.macro
    def deadline(rule_id: str) -> str:
        """The words for a named time rule, e.g. {{ deadline('nodhjelp-behandlingstid') }} -> 48 timer."""
        rule = _known(renderer().rules, rule_id, "navngitt tidsregel", "nodhjelp-behandlingstid")
        return rule.value.words if rule.value else ""

    @env.macro
    def count(kind: str) -> int:
        return len(getattr(renderer().ds, kind))
