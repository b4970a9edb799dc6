"""Archive metadata in a routine PDF's XMP: what the document is and who signs it.

`rutinebok pdf` writes, next to WeasyPrint's PDF/A metadata, one description in the
rutinebok namespace (routine id, version, kind, valid from, review by, source hash, engine
and the parties with their organisation numbers and allowed certificates), and the PDF/A
extension schema that declares these properties (ISO 19005-2, 6.6.2.3: custom XMP
properties are only allowed when the file describes them). A Noark 5 archive can read the
fields without typing; `rutinebok verify` reads them back from the first signed revision,
so what was signed decides which parties must sign, not later unsigned updates.

All values are data: they go into the XML through ElementTree, which escapes them.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field as _field

NS_RB = "urn:rutinebok:ns:xmp:rutine:1.0/"
NS_PARTY = "urn:rutinebok:ns:xmp:part:1.0/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
NS_EXT = {
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
    "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    "pdfaType": "http://www.aiim.org/pdfa/ns/type#",
    "pdfaField": "http://www.aiim.org/pdfa/ns/field#",
}
for _prefix, _uri in {"rdf": RDF, "rb": NS_RB, "rbp": NS_PARTY, **NS_EXT}.items():
    ET.register_namespace(_prefix, _uri)

# (name, XMP value type, description) - the order is the order written.
PROPERTIES = [
    ("routineId", "Text", "Rutinens id i rutineboka"),
    ("version", "Integer", "Rutinens versjonsnummer"),
    ("kind", "Text", "Hva slags dokument: samarbeidsrutine, ansvarsdeling, arbeidsprosess, strategiplan, rapport"),
    ("title", "Text", "Rutinens tittel"),
    ("validFrom", "Date", "Datoen rutinen gjelder fra"),
    ("reviewBy", "Date", "Datoen rutinen skal være revidert innen"),
    ("sourceHash", "Text", "SHA-256 av rutinens datafil og motorversjonen"),
    ("engine", "Text", "Versjonen av rutinebok som laget PDF-en"),
    ("parties", "Seq Party", "Partene som signerer, i rekkefølge"),
]
PARTY_FIELDS = [
    ("id", "Text", "Partens id i rutineboka"),
    ("name", "Text", "Partens navn"),
    ("orgNumber", "Text", "Organisasjonsnummer i Enhetsregisteret; mangler når det er ukjent"),
    ("field", "Text", "Navnet på partens signaturfelt i PDF-en"),
    ("signerRole", "Text", "Rollen til den som skal signere, når den er kjent"),
    ("certificates", "Bag Text", "SHA-256-fingeravtrykk av sertifikater som kan signere for parten"),
]


@dataclass
class Party:
    id: str
    name: str = ""
    org_number: str | None = None
    field: str = ""
    signer_role: str | None = None
    certificates: list[str] = _field(default_factory=list)


@dataclass
class RoutineMeta:
    routine_id: str
    version: str
    kind: str
    title: str = ""
    valid_from: str | None = None
    review_by: str | None = None
    source_hash: str = ""
    engine: str = ""
    parties: list[Party] = _field(default_factory=list)


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _resource_li(parent: ET.Element) -> ET.Element:
    li = ET.SubElement(parent, _q(RDF, "li"))
    li.set(_q(RDF, "parseType"), "Resource")
    return li


def _text(parent: ET.Element, ns: str, name: str, value: str) -> None:
    ET.SubElement(parent, _q(ns, name)).text = value


def extension_schema() -> ET.Element:
    """The PDF/A extension schema description of the rutinebok properties."""
    desc = ET.Element(_q(RDF, "Description"))
    desc.set(_q(RDF, "about"), "")
    bag = ET.SubElement(ET.SubElement(desc, _q(NS_EXT["pdfaExtension"], "schemas")), _q(RDF, "Bag"))
    schema = _resource_li(bag)
    s = NS_EXT["pdfaSchema"]
    _text(schema, s, "schema", "Rutinebok: samarbeidsrutine")
    _text(schema, s, "namespaceURI", NS_RB)
    _text(schema, s, "prefix", "rb")
    seq = ET.SubElement(ET.SubElement(schema, _q(s, "property")), _q(RDF, "Seq"))
    for name, value_type, description in PROPERTIES:
        li = _resource_li(seq)
        p = NS_EXT["pdfaProperty"]
        _text(li, p, "name", name)
        _text(li, p, "valueType", value_type)
        _text(li, p, "category", "external")
        _text(li, p, "description", description)
    types = ET.SubElement(ET.SubElement(schema, _q(s, "valueType")), _q(RDF, "Seq"))
    party = _resource_li(types)
    t = NS_EXT["pdfaType"]
    _text(party, t, "type", "Party")
    _text(party, t, "namespaceURI", NS_PARTY)
    _text(party, t, "prefix", "rbp")
    _text(party, t, "description", "En part som signerer rutinen")
    fields = ET.SubElement(ET.SubElement(party, _q(t, "field")), _q(RDF, "Seq"))
    for name, value_type, description in PARTY_FIELDS:
        li = _resource_li(fields)
        f = NS_EXT["pdfaField"]
        _text(li, f, "name", name)
        _text(li, f, "valueType", value_type)
        _text(li, f, "description", description)
    return desc


def description(meta: RoutineMeta) -> ET.Element:
    """The rdf:Description with the routine's values."""
    desc = ET.Element(_q(RDF, "Description"))
    desc.set(_q(RDF, "about"), "")
    values = {"routineId": meta.routine_id, "version": meta.version, "kind": meta.kind, "title": meta.title,
              "validFrom": meta.valid_from, "reviewBy": meta.review_by, "sourceHash": meta.source_hash,
              "engine": meta.engine}
    for name, _, _ in PROPERTIES:
        if name == "parties":
            seq = ET.SubElement(ET.SubElement(desc, _q(NS_RB, "parties")), _q(RDF, "Seq"))
            for p in meta.parties:
                li = _resource_li(seq)
                _text(li, NS_PARTY, "id", p.id)
                _text(li, NS_PARTY, "name", p.name)
                if p.org_number:
                    _text(li, NS_PARTY, "orgNumber", p.org_number)
                _text(li, NS_PARTY, "field", p.field)
                if p.signer_role:
                    _text(li, NS_PARTY, "signerRole", p.signer_role)
                if p.certificates:
                    bag = ET.SubElement(ET.SubElement(li, _q(NS_PARTY, "certificates")), _q(RDF, "Bag"))
                    for fp in p.certificates:
                        ET.SubElement(bag, _q(RDF, "li")).text = fp
        elif values.get(name):
            _text(desc, NS_RB, name, str(values[name]))
    return desc


def add_to_rdf(rdf_xml: bytes, meta: RoutineMeta) -> bytes:
    """WeasyPrint's rdf:RDF with the extension schema and the routine's description added."""
    rdf = ET.fromstring(rdf_xml)
    rdf.append(extension_schema())
    rdf.append(description(meta))
    return ET.tostring(rdf, encoding="utf-8")


def read(xmp: bytes) -> RoutineMeta | None:
    """The rutinebok description in an XMP packet, or None when it has none (or is not XML)."""
    try:
        root = ET.fromstring(xmp.strip())  # the <?xpacket?> lines are processing instructions
    except (ET.ParseError, ValueError):
        return None
    for desc in root.iter(_q(RDF, "Description")):
        rid = desc.find(_q(NS_RB, "routineId"))
        if rid is None:
            continue

        def get(name: str, el: ET.Element = desc, ns: str = NS_RB) -> str | None:
            found = el.find(_q(ns, name))
            return found.text if found is not None and found.text else None

        parties = []
        for li in desc.iterfind(f"{_q(NS_RB, 'parties')}/{_q(RDF, 'Seq')}/{_q(RDF, 'li')}"):
            certs = [c.text.strip() for c in li.iterfind(f"{_q(NS_PARTY, 'certificates')}/{_q(RDF, 'Bag')}/"
                                                          f"{_q(RDF, 'li')}") if c.text]
            parties.append(Party(id=get("id", li, NS_PARTY) or "", name=get("name", li, NS_PARTY) or "",
                                 org_number=get("orgNumber", li, NS_PARTY), field=get("field", li, NS_PARTY) or "",
                                 signer_role=get("signerRole", li, NS_PARTY), certificates=certs))
        return RoutineMeta(routine_id=rid.text or "", version=get("version") or "", kind=get("kind") or "",
                           title=get("title") or "", valid_from=get("validFrom"), review_by=get("reviewBy"),
                           source_hash=get("sourceHash") or "", engine=get("engine") or "", parties=parties)
    return None


def iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None
