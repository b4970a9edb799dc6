"""A pass-through HTML parser: writes the page back unchanged unless a subclass changes a part.

Used by the page filters that run on rendered HTML (tables.py: column labels on cells;
terms.py: glossary terms on tap). Character references stay as written.
"""

from __future__ import annotations

from html.parser import HTMLParser


class PassThrough(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")
