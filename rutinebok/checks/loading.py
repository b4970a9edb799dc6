"""Codes the loader reports while reading a file (load.py): reading, YAML, fields and values.

They are registered here, with their meaning, like every other code; the loader stops at the
first of them in a file, and the other files are still read and checked.
"""

from __future__ import annotations

from .registry import define

define("RB001", "yaml-syntax", "feil", """
    Filen er ikke gyldig YAML: et tegn, et innrykk eller en parentes er feil.""", "lasting")
define("RB002", "duplicate-key", "feil", """
    Den samme nøkkelen står to ganger i samme del av filen.""", "lasting")
define("RB003", "forbidden-yaml", "feil", """
    Filen bruker YAML-funksjoner vi ikke tillater (tagger som !!python, ankere & og alias *).""",
       "lasting")
define("RB004", "not-utf8", "feil", """
    Filen er ikke lagret som UTF-8. Lagre den som UTF-8 i redigeringsprogrammet.""", "lasting")
define("RB005", "empty-file", "feil", """
    Filen er tom (eller har bare kommentarer). En datafil har minst `id` og de påkrevde
    feltene; `rutinebok new` lager en fil å begynne med.""", "lasting")
define("RB006", "file-too-large", "feil", """
    Filen er altfor stor til å være en datafil.""", "lasting")
define("RB007", "unknown-key", "feil", """
    En nøkkel finnes ikke i modellen; ofte en skrivefeil (se forslaget i parentes).""", "innhold")
define("RB008", "missing-field", "feil", """
    Et påkrevd felt mangler (se skjemaet i `schema/` eller `rutinebok new`).""", "innhold")
define("RB009", "invalid-value", "feil", """
    En verdi har feil form: dato, varighet, telefonnummer, e-post, nettadresse eller en fast
    verdi.""", "innhold")
define("RB027", "id-filename-mismatch", "feil", """
    Id-en i filen er ikke lik filnavnet.""", "innhold")
define("RB028", "unknown-file-kind", "feil", """
    En fil ligger i en mappe der data ikke hører hjemme.""", "lasting")
define("RB057", "data-folder-missing", "feil", """
    Datamappen finnes ikke (kjør kommandoen i repoet, eller oppgi mappen med `--data`).""",
       "lasting")
define("RB058", "not-a-mapping", "feil", """
    Filen er en liste eller en enkelt verdi; en datafil er en tabell med nøkler øverst
    (`id: ...`, `name: ...`).""", "lasting")
