"""Untrusted input (issue 9): data that could run, fetch or read something, or hide text."""

from __future__ import annotations

from .. import safefiles
from ..escape import image_file, markdown_targets, url_scheme_text, url_verdict
from .registry import check, define

define("RB052", "unsafe-file", "feil", """
    En fil i `data/` eller `signed/` er en symbolsk lenke, ligger utenfor repoet, kan ikke
    leses, eller (i `signed/`) har et navn som ikke er `rutine-id.pdf` med små bokstaver,
    sifre og bindestrek. Filen leses ikke.""", "sikkerhet")
define("RB053", "control-character", "feil", """
    Teksten har et usynlig kontrolltegn (f.eks. NUL eller escape-tegn). Fjern tegnet.""",
       "sikkerhet")
define("RB054", "bidi-control", "advarsel", """
    Teksten har et tegn som snur skriveretningen, så teksten kan se annerledes ut enn den
    er.""", "sikkerhet")
define("RB055", "nesting-too-deep", "feil", """
    Verdiene i filen er nøstet altfor dypt inn i hverandre (mange `[` eller `{`, eller
    innrykk).""", "sikkerhet")
define("RB050", "unsafe-url", "feil", """
    En lenke går ikke til `https://`, `http://`, `mailto:`, `tel:` eller en id (`@id`), f.eks.
    `javascript:` eller en sti til en fil. Lenken tas ikke med.""", "sikkerhet")
define("RB051", "unsafe-image", "feil", """
    Et bilde i teksten er ikke en fil i `content/assets/bilder/`. Bilder fra andre nettsteder
    eller andre mapper vises aldri. Skriv `![beskrivelse](bilder/navn.png)`.""", "sikkerhet")


def links_in_file(ctx, src) -> None:
    """Links and images in every text of a file (any field can hold Markdown)."""
    # The path of a value is made only for texts with a link and for containers: most values
    # are texts without one, and this runs over every file on every rebuild of `make serve`.
    if not isinstance(src.data, dict | list):
        if isinstance(src.data, str) and "[" in src.data:
            links_in_text(ctx, src, (), src.data)
        return
    stack: list[tuple[tuple, object]] = [((), src.data)]
    while stack:
        path, value = stack.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for k, v in items:
            if isinstance(v, str):
                if "[" in v:
                    links_in_text(ctx, src, path + (k,), v)
            elif isinstance(v, dict | list):
                stack.append((path + (k,), v))


def links_in_text(ctx, src, path: tuple, text: str) -> None:
    """Every link and image Markdown makes of the text, in any syntax: @id links must
    exist; other links only http(s), mailto and tel; images only from the asset folder."""
    from .references import id_link

    asset_dir = ctx.ds.root.parent / "content" / "assets" / "bilder"
    for tag, target in markdown_targets(text):
        shown = url_scheme_text(target)[:80]
        if tag == "img":
            if not image_file(target, asset_dir):
                ctx.add(src, "RB051", path,
                        f"bildet «{shown}» kan ikke vises: bilder i teksten må være filer i "
                        "content/assets/bilder/ i repoet (aldri fra andre nettsteder)",
                        "legg bildet i content/assets/bilder/ og skriv ![beskrivelse](bilder/navn.png)")
            continue
        if id_link(ctx, src, path, target):
            continue
        verdict = url_verdict(target)
        if verdict == "ok" or (verdict == "relative" and url_scheme_text(target).startswith("#")):
            continue
        ctx.add(src, "RB050", path,
                f"lenken «{shown}» er ikke tillatt: lenker kan bare gå til https://, http://, "
                "mailto:, tel: eller en id (@id)",
                "skriv hele adressen med https://, eller [tekst](@id) for noe i rutineboka")


@check(None, codes=("RB052",))
def signed_files(ctx) -> None:
    """signed/<routine-id>/: only regular files named <id>.pdf are read and published."""
    repo = ctx.ds.root.parent
    signed = repo / "signed"
    if signed.is_symlink():
        ctx.add_file("RB052", "signed er en symbolsk lenke; den leses ikke", "signed")
        return
    if not signed.is_dir():
        return
    for rid in sorted(p.name for p in signed.iterdir()):
        _, problems = safefiles.signed_pdfs(signed / rid, repo)
        for path, reason in problems:
            ctx.add_file("RB052", f"den signerte kopien {reason}; den publiseres ikke",
                         safefiles.display(path, repo),
                         hint="legg inn selve PDF-en med et navn som rutine-id.pdf")
