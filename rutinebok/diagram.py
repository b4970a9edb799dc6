"""Diagrams of decision trees: static SVG made with Graphviz's dot (no script in the page).

Used by the site (one .svg file per tree) and by the PDFs (the same SVG).
"""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache

import graphviz

from .escape import dot_label, html_text
from .model import Tree

_FONT = "DejaVu Sans"


def _wrap(text: str, width: int = 28):
    """Data text as a plain-text DOT label (escape.dot_label), wrapped to `width`."""
    return dot_label("\n".join(textwrap.wrap(" ".join(text.split()), width)) or " ")


def tree_graph(tree: Tree) -> graphviz.Digraph:
    g = graphviz.Digraph(name=tree.id, graph_attr={
        "rankdir": "TB", "nodesep": "0.3", "ranksep": "0.45", "bgcolor": "white",
        "fontname": _FONT, "label": "", "tooltip": dot_label(tree.title),
    }, node_attr={"fontname": _FONT, "fontsize": "11", "margin": "0.15,0.08", "color": "#4527a0"},
        edge_attr={"fontname": _FONT, "fontsize": "10", "color": "#444444", "fontcolor": "#222222"})
    for node in tree.nodes:
        if node.outcome is not None:
            g.node(node.id, _wrap(node.outcome.title, 30), shape="box", style="rounded,filled",
                   fillcolor="#ede7f6", id=f"n-{node.id}")
        else:
            g.node(node.id, _wrap(node.question or "", 28), shape="box", style="filled",
                   fillcolor="#ffffff", penwidth="1.6" if node.id == tree.start else "1", id=f"n-{node.id}")
    ids = {n.id for n in tree.nodes}
    for node in tree.nodes:
        for opt in node.options:
            if opt.next in ids:
                g.edge(node.id, opt.next, label=_wrap(opt.label, 20))
    return g


@lru_cache(maxsize=256)
def _svg_cached(source: str) -> str:
    svg = graphviz.Source(source).pipe(format="svg", encoding="utf-8")
    # Keep only the <svg> element; drop the XML prolog, doctype and generator comments.
    svg = svg[svg.index("<svg"):]
    return re.sub(r"<!--.*?-->\n?", "", svg, flags=re.DOTALL)


def tree_svg(tree: Tree) -> str:
    """The tree as an SVG document (text nodes carry the questions, outcomes and answers)."""
    svg = _svg_cached(tree_graph(tree).source)
    label = html_text("Diagram: " + tree.title)
    svg = svg.replace(">", f' role="img" aria-label="{label}"><title>{label}</title>', 1)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
