"""Tables that read on a phone: each body cell gets its column heading as data-label.

Below the phone breakpoint the stylesheet stacks every row into a card and shows the label
before the value, so no table needs sideways scrolling. Done on the rendered HTML of every
page (generated or hand-written), so a new table cannot forget it.
"""

from __future__ import annotations

import html

from .htmlpass import PassThrough


class TableLabels:
    """The labelling, for any pass-through parser that writes the page to `out` (the glossary
    pass does it in the same parse: one parse of a large page instead of two)."""

    def __init__(self, out: list[str]) -> None:
        self.out = out
        # One frame per open table: headings, whether we are in thead/th, and the column.
        self.stack: list[dict] = []

    def _frame(self) -> dict | None:
        return self.stack[-1] if self.stack else None

    def start(self, tag: str, attrs, text: str) -> str:
        """The start tag as it is to be written (call before writing it)."""
        f = self._frame()
        if tag == "table":
            self.stack.append({"heads": [], "in_head": False, "th": None, "col": 0, "start": len(self.out)})
        elif f is not None:
            if tag == "thead":
                f["in_head"] = True
            elif tag == "tr":
                f["col"] = 0
            elif tag == "th" and f["in_head"]:
                f["th"] = []
            elif tag in ("td", "th") and not f["in_head"] and f["heads"]:
                label = f["heads"][f["col"]] if f["col"] < len(f["heads"]) else ""
                f["col"] += 1
                if label and not any(k == "data-label" for k, _ in attrs):
                    text = text[:-1].rstrip("/").rstrip() + f' data-label="{html.escape(label, quote=True)}">'
        return text

    def end(self, tag: str) -> None:
        """Before the end tag is written."""
        f = self._frame()
        if f is not None:
            if tag == "th" and f["th"] is not None:
                f["heads"].append(" ".join("".join(f["th"]).split()))
                f["th"] = None
            elif tag == "thead":
                f["in_head"] = False
            elif tag == "table":
                self.stack.pop()
                if f["heads"] and any(f["heads"]):
                    # Mark the table so the stylesheet stacks it on phones.
                    i = f["start"]
                    self.out[i] = self.out[i][:-1] + " data-rb-stack>"

    def text(self, plain: str) -> None:
        f = self._frame()
        if f is not None and f["th"] is not None:
            f["th"].append(plain)


class _Labeller(PassThrough):
    def __init__(self) -> None:
        super().__init__()
        self.labels = TableLabels(self.out)

    def handle_starttag(self, tag, attrs):
        self.out.append(self.labels.start(tag, attrs, self.get_starttag_text() or ""))

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag):
        self.labels.end(tag)
        self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.labels.text(data)
        self.out.append(data)

    def handle_entityref(self, name):
        self.labels.text(html.unescape(f"&{name};"))
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.labels.text(html.unescape(f"&#{name};"))
        self.out.append(f"&#{name};")


def label_table_cells(page_html: str) -> str:
    """Every <td> under a table with a header row gets data-label="<its column heading>"."""
    if "<table" not in page_html:
        return page_html
    parser = _Labeller()
    parser.feed(page_html)
    parser.close()
    return "".join(parser.out) + (parser.rawdata if parser.rawdata else "")
