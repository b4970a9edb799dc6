"""A decision tree as nested Markdown lists: the text version of its diagram, on the site
(names as links) and in the PDF (names as text)."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from .escape import md_inline, pre_escaped


def tree_outline(tree, links: Callable[[list[str]], Markup | str]) -> Markup:
    """`links(refs)` writes who is responsible for an outcome (Markdown, already escaped)."""
    nodes = {n.id: n for n in tree.nodes}
    lines: list[str] = []
    stack = [(tree.start, 0, "")]
    visited: set[str] = set()
    while stack:
        node_id, depth, label = stack.pop()
        node = nodes[node_id]
        pad = "    " * depth
        prefix = f"{md_inline(label)}: " if label else ""
        if node.outcome is not None:
            who = f" ({links(node.outcome.responsible)})" if node.outcome.responsible else ""
            lines.append(f"{pad}- {prefix}**Svar: {md_inline(node.outcome.title)}**{who}")
            continue
        lines.append(f"{pad}- {prefix}{md_inline(node.question)}")
        if node_id in visited:
            continue
        visited.add(node_id)
        for opt in reversed(node.options):
            if opt.next in nodes:
                stack.append((opt.next, depth + 1, opt.label))
    return pre_escaped("\n".join(lines))
