"""JSON Schema for every kind of data file, generated from the model, for editors.

`rutinebok schema` writes schema/<kind>.schema.json; `--check` fails when they are stale.
Each data file's first line points an editor at its schema (yaml-language-server), so it
completes keys and flags mistakes while one types. Titles and descriptions are Norwegian.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import kinds
from .model import _DURATION_RE

SCHEMA_DIR = Path("schema")
SCHEMA_LINE = "# yaml-language-server: $schema="

# Norwegian titles for the kinds of objects (shown by editors on hover).
DEF_TITLES: dict[str, str] = {
    "Alternative": "Alternativ", "Approval": "Vedtak", "Attachment": "Vedlegg", "Block": "Blokk",
    "ChangeLogEntry": "Endring", "Contact": "Kontaktpunkt", "ContactList": "Kontaktliste",
    "Deadline": "Frist", "DocumentRef": "Styringsdokument", "Frequency": "Hyppighet",
    "ItemList": "Liste", "LawChange": "Lovendring", "LegalRef": "Lovhenvisning", "Level": "Nivå",
    "Levels": "Nivåmodell", "Measure": "Tiltak", "Meeting": "Møte", "Option": "Svar",
    "Outcome": "Utfall", "Paragraph": "Paragraf", "Period": "Periode", "Phase": "Fase",
    "PlanMeasures": "Tiltak i planen", "Procedure": "Prosedyre", "Responsibility": "Ansvar",
    "RoleDescription": "Rollebeskrivelse", "RoleTasks": "Oppgaver for en rolle", "Section": "Avsnitt",
    "Signatory": "Signatar", "Signing": "Signering", "Source": "Kilde", "SourceRef": "Kildehenvisning",
    "NamedSource": "Kilde for en del", "ChecklistItem": "Punkt i sjekkliste", "ChecklistSubItem": "Underpunkt",
    "Step": "Steg", "Table": "Tabell", "Term": "Ord", "TimeRule": "Tidsregel", "TreeNode": "Node",
}

# Norwegian descriptions of the kinds of objects (replacing the code's English docstrings).
DEF_DOCS: dict[str, str] = {
    "NamedSource": "En kilde i rutinens sources-liste, som seksjoner og blokker viser til med source: <id>.",
    "ChecklistItem": "Et punkt en rutine må dekke (covers) eller forklare (not_applicable).",
    "ChecklistSubItem": "En del av et punkt; dekkes alle underpunktene, er punktet dekket.",
    "Deadline": "En frist: nøyaktig én av within (varighet), by (dato), when (snarest, straks, løpende, i-god-tid) "
                "eller rule (en navngitt tidsregel). Kortform: PT48H, 2019-12-31 eller snarest.",
    "Block": "Én blokk i et avsnitt, med nøyaktig én nøkkel: text, responsibility, procedure, meeting, rule, "
             "phase, table, contacts, list, levels, measures eller role.",
    "Strict": "Ukjente nøkler er feil.",
}


def kind_schema(name: str, model) -> dict:
    # Draft 7 with "definitions": what the VS Code YAML extension (yaml-language-server) fully
    # supports; it warns that 2020-12 schemas are "not yet fully supported".
    schema = model.model_json_schema(ref_template="#/definitions/{model}")
    if "$defs" in schema:
        schema["definitions"] = schema.pop("$defs")
    for def_name, definition in (schema.get("definitions") or {}).items():
        definition["description"] = DEF_DOCS.get(def_name, definition.get("description", def_name))
        definition["title"] = DEF_TITLES.get(def_name, def_name)
    defs = schema.get("definitions") or {}
    if "Deadline" in defs:  # the model also takes the short form: "PT48H", "2019-12-31", "snarest"
        when = defs["Deadline"]["properties"]["when"]["anyOf"][0]["enum"]
        short = {"title": "Frist (kortform)",
                 "description": "Kortform: en varighet (PT48H), en dato (2019-12-31) eller " + ", ".join(when) + ".",
                 "anyOf": [{"type": "string", "pattern": _DURATION_RE.pattern},
                           {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                           {"type": "string", "enum": when}]}
        defs["Deadline"] = {"title": "Frist", "description": DEF_DOCS["Deadline"], "anyOf": [short, defs["Deadline"]]}
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["$id"] = f"https://rutinebok.example/schema/{name}.schema.json"
    schema["title"] = kinds.get(name).title if name in {k.name for k in kinds.all_kinds()} else name
    schema["description"] = f"Skjema for en datafil av typen «{schema['title']}» i Rutinebok."
    return schema


def all_schemas() -> dict[str, dict]:
    return {kind.name: kind_schema(kind.name, kind.model) for kind in kinds.all_kinds()}


def schema_text(schema: dict) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def schema_name_for(data_file: Path, data_dir: Path) -> str | None:
    rel = data_file.relative_to(data_dir)
    kind = (kinds.by_folder(rel.parts[0]) if len(rel.parts) == 2
            else kinds.by_file(rel.name) if len(rel.parts) == 1 else None)
    return kind.name if kind else None


def schema_line(data_file: Path, data_dir: Path, schema_dir: Path) -> str | None:
    import os

    name = schema_name_for(data_file, data_dir)
    if name is None:
        return None
    rel = os.path.relpath(schema_dir / f"{name}.schema.json", data_file.parent)
    return f"{SCHEMA_LINE}{rel}"


def with_schema_line(text: str, line: str) -> str:
    """The text with `line` first, replacing an older schema line."""
    lines = text.split("\n")
    if lines and lines[0].startswith(SCHEMA_LINE):
        lines = lines[1:]
    return "\n".join([line, *lines])


def write_schemas(schema_dir: Path, data_dir: Path | None = None) -> list[Path]:
    schema_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = schema_dir / f"{name}.schema.json"
        path.write_text(schema_text(schema), encoding="utf-8")
        written.append(path)
    from . import fieldref

    written.append(fieldref.write(schema_dir, all_schemas()))
    if data_dir is not None:
        for f in sorted(data_dir.rglob("*.yml")):
            line = schema_line(f, data_dir, schema_dir)
            if line:
                text = f.read_text(encoding="utf-8")
                new = with_schema_line(text, line)
                if new != text:
                    f.write_text(new, encoding="utf-8")
    return written


def stale(schema_dir: Path) -> list[str]:
    out = []
    for name, schema in all_schemas().items():
        path = schema_dir / f"{name}.schema.json"
        if not path.exists() or path.read_text(encoding="utf-8") != schema_text(schema):
            out.append(str(path))
    from . import fieldref

    if fieldref.stale(schema_dir, all_schemas()):
        out.append(str(schema_dir / fieldref.FILE_NAME))
    return out


def wrong_schema_lines(data_dir: Path, schema_dir: Path) -> list[str]:
    """Data files whose first line does not point at their schema."""
    out = []
    for f in sorted(data_dir.rglob("*.yml")):
        line = schema_line(f, data_dir, schema_dir)
        if line and f.read_text(encoding="utf-8").split("\n", 1)[0] != line:
            out.append(str(f))
    return out


def cmd_schema(args: argparse.Namespace) -> int:
    from .safefiles import data_folder

    args.data = data_folder(args.data)
    if args.check:
        bad = stale(args.out)
        if bad:
            print("Skjemaene er ikke oppdatert etter endringer i modellen: " + ", ".join(bad)
                  + ". Kjør `rutinebok schema`.", file=sys.stderr)
        lines = wrong_schema_lines(args.data, args.out) if args.data.is_dir() else []
        if lines:
            print("Første linje viser ikke til skjemaet i: " + ", ".join(lines)
                  + ". Kjør `rutinebok schema`.", file=sys.stderr)
        if bad or lines:
            return 1
        print("Skjemaene er oppdatert, og hver datafil viser til sitt skjema.")
        return 0
    written = write_schemas(args.out, args.data)
    print(f"Skrev {len(written)} skjemaer til {args.out} og oppdaterte skjemalinjen i datafilene.")
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("schema", help="skriv JSON-skjema for datafilene (for redigeringsprogrammer)")
    p.add_argument("--out", type=Path, default=SCHEMA_DIR)
    p.add_argument("--data", type=Path, default=None, help="datamappen (standard: data)")
    p.add_argument("--check", action="store_true", help="feil hvis skjemaene ikke stemmer med modellen")
    p.set_defaults(handler=cmd_schema)


def main(argv: list[str] | None = None) -> int:
    """`python -m rutinebok.schema ...`: the same as `rutinebok schema ...`."""
    from .cli import main as cli_main

    return cli_main(["schema", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    sys.exit(main())
