"""The field reference for editors (schema/felter.md), generated from the JSON Schema, which
is generated from the model's field titles and descriptions: one source, so the reference
cannot drift from what the check accepts. `rutinebok schema` writes it, `--check` compares.
"""

from __future__ import annotations

import json
from pathlib import Path

FILE_NAME = "felter.md"

# Where each kind's files live, in the order an editor meets them.
KIND_FILES = {
    "routines": "data/routines/<id>.yml", "organisations": "data/organisations/<id>.yml",
    "roles": "data/roles/<id>.yml", "trees": "data/trees/<id>.yml", "checklists": "data/checklists/<id>.yml",
    "laws": "data/laws/<id>.yml", "documents": "data/documents/<id>.yml", "glossary": "data/glossary.yml",
    "sources": "data/sources.yml",
}

LINKS = """\
## Lenker i teksten

I alle tekstfelt (Markdown) kan du lenke til noe i rutineboka med id-en i stedet for en
nettadresse. Sjekken sier fra hvis id-en eller seksjonen ikke finnes (RB024).

| Skriv | Blir en lenke til |
| --- | --- |
| `[NAV Moss](@nav-moss)` | siden for organisasjonen, rollen, rutinen, veiviseren eller loven med id-en `nav-moss` |
| `[nødhjelp](@moss-krisesenter-nav#livsopphold-og-nodhjelp)` | seksjonen `livsopphold-og-nodhjelp` i rutinen `moss-krisesenter-nav` |
| `[utenvold.no](https://utenvold.no)` | en nettside (bare `https://`, `http://`, `mailto:` og `tel:`) |

Formen er `[tekst](@id#anker)`: teksten leseren ser, så `@` og id-en, og eventuelt `#` og
id-en til en seksjon i en rutine.
"""


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type_words(prop: dict, titles: dict[str, str]) -> str:
    if "$ref" in prop:
        name = _ref_name(prop["$ref"])
        return f"[{titles.get(name, name)}](#{name.lower()})"
    if "anyOf" in prop:
        parts = [_type_words(p, titles) for p in prop["anyOf"] if p.get("type") != "null"]
        return " eller ".join(dict.fromkeys(parts))
    if "enum" in prop:
        return "én av " + ", ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type")
    if kind == "array":
        return "liste med " + _type_words(prop.get("items", {}), titles)
    if kind == "object":
        extra = prop.get("additionalProperties")
        return "tabell" + (f" (verdier: {_type_words(extra, titles)})" if isinstance(extra, dict) else "")
    if prop.get("format") == "date":
        return "dato"
    return {"string": "tekst", "integer": "heltall", "number": "tall", "boolean": "true eller false"}.get(kind, "verdi")


def _example(name: str, prop: dict, defs: dict, depth: int = 0):
    """An example value: the model's own example when it has one, else one made from the type."""
    if prop.get("examples"):
        return prop["examples"][0]
    if "default" in prop and prop["default"] not in (None, [], {}):
        return prop["default"]
    if "$ref" in prop:
        target = defs.get(_ref_name(prop["$ref"]), {})
        if depth > 1:
            return {}
        if "anyOf" in target and "properties" not in target:
            return _example(name, target["anyOf"][0], defs, depth + 1)
        required = target.get("required") or list(target.get("properties", {}))[:1]
        return {k: _example(k, target["properties"][k], defs, depth + 1) for k in required
                if k in target.get("properties", {})}
    if "anyOf" in prop:
        options = [p for p in prop["anyOf"] if p.get("type") != "null"]
        return _example(name, options[0], defs, depth) if options else None
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if kind == "array":
        return [_example(name, prop.get("items", {}), defs, depth)]
    if kind == "object":
        return {"punkt-id": "begrunnelse"}
    if prop.get("format") == "date":
        return "2026-01-01"
    if kind == "integer":
        return 2026 if prop.get("minimum", 0) >= 1900 else max(1, prop.get("minimum", 1))
    if kind == "boolean":
        return True
    pattern = prop.get("pattern", "")
    if pattern.startswith("^P("):
        return "P2D"
    if "a-z0-9" in pattern:
        return "ny-id"
    return "Tekst"


def _yaml(name: str, value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return f"`{name}: {text}`".replace("|", "\\|")


def _table(properties: dict, required: list[str], defs: dict, titles: dict[str, str]) -> list[str]:
    lines = ["| Felt | Hva det er | Verdi | Eksempel |", "| --- | --- | --- | --- |"]
    for name, prop in properties.items():
        title = prop.get("title", name)
        desc = " ".join((prop.get("description") or "").split()).replace("|", "\\|")
        must = " **(må fylles ut)**" if name in required else ""
        lines.append(f"| `{name}`{must} | **{title}.** {desc} | {_type_words(prop, titles)} | "
                     f"{_yaml(name, _example(name, prop, defs))} |")
    return lines


def field_reference(schemas: dict[str, dict]) -> str:
    out = [
        "# Feltreferanse for redaktører",
        "",
        "Alle feltene i datafilene, med hva de betyr og et eksempel. Siden lages av",
        "`rutinebok schema` fra modellen, de samme titlene og forklaringene som redigeringsprogrammet",
        "viser; rediger den ikke for hånd. Den er for dere som skriver dataene, og vises ikke på",
        "nettstedet.",
        "",
        LINKS,
    ]
    defs: dict[str, dict] = {}
    for schema in schemas.values():
        for key, value in (schema.get("definitions") or {}).items():
            defs.setdefault(key, value)
    titles = {k: v.get("title", k) for k, v in defs.items()}
    for kind in [k for k in KIND_FILES if k in schemas] + [k for k in schemas if k not in KIND_FILES]:
        schema = schemas[kind]
        out += [f"## {schema['title']}", "", f"Fil: `{KIND_FILES.get(kind, kind)}`.", ""]
        out += _table(schema.get("properties", {}), schema.get("required", []), defs, titles)
        out.append("")
    out += ["## Deler som går igjen", "", "Tabeller som brukes inne i filene over.", ""]
    for key in sorted(defs, key=lambda k: titles[k].lower()):
        d = defs[key]
        desc = " ".join((d.get("description") or "").split())
        # An HTML anchor, not «{ #id }»: the file is read on GitHub, which has no attribute lists.
        out += [f'<a id="{key.lower()}"></a>', "", f"### {titles[key]}", ""]
        if desc and desc != key:
            out += [desc, ""]
        if "properties" in d:
            out += _table(d["properties"], d.get("required", []), defs, titles)
        elif "anyOf" in d:
            out.append("Kan skrives på flere måter: " + _type_words(d, titles) + ".")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def write(schema_dir: Path, schemas: dict[str, dict]) -> Path:
    path = schema_dir / FILE_NAME
    path.write_text(field_reference(schemas), encoding="utf-8")
    return path


def stale(schema_dir: Path, schemas: dict[str, dict]) -> bool:
    path = schema_dir / FILE_NAME
    return not path.exists() or path.read_text(encoding="utf-8") != field_reference(schemas)
