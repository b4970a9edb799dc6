"""Decision trees: sound (every node reachable, no cycles, no dangling answers) in time linear
in the number of nodes and options, with references that exist, and a diagram that draws."""

from __future__ import annotations

from ..findings import did_you_mean
from .registry import check, define, rule


def _index(tree) -> dict[str, int]:
    """Node id -> index of its first node."""
    index: dict[str, int] = {}
    for i, node in enumerate(tree.nodes):
        index.setdefault(node.id, i)
    return index


@rule("RB035", "tree-duplicate-node", "feil", family="veivisere", kind="trees", also=("RB010",))
def tree_nodes(ctx, tree, src) -> None:
    """To noder i en veiviser har samme id."""
    ctx.source(src, ("source",), tree.source)
    if ctx.ref(src, ("routine",), tree.routine, ctx.ds.routines, "rutine"):
        ctx.section_ref(src, ("section",), tree.routine, tree.section)
    index = _index(tree)
    for i, node in enumerate(tree.nodes):
        if index[node.id] != i:
            ctx.add(src, "RB035", ("nodes", i, "id"),
                    f"noden «{node.id}» finnes to ganger (først som node {index[node.id] + 1})")
    if tree.start not in index:
        ctx.add(src, "RB010", ("start",), f"startnoden «{tree.start}» finnes ikke", did_you_mean(tree.start, index))


@rule("RB033", "tree-question-without-options", "feil", family="veivisere", kind="trees")
def tree_questions(ctx, tree, src) -> None:
    """Et spørsmål i en veiviser har ingen svar."""
    for i, node in enumerate(tree.nodes):
        if node.question is not None and not node.options:
            ctx.add(src, "RB033", ("nodes", i, "question"),
                    f"spørsmålet i noden «{node.id}» har ingen svaralternativer",
                    "legg til options med label og next, eller gjør noden til et utfall")


@rule("RB034", "tree-duplicate-option", "feil", family="veivisere", kind="trees")
def tree_option_labels(ctx, tree, src) -> None:
    """To svar på samme spørsmål har samme tekst."""
    for i, node in enumerate(tree.nodes):
        labels: set[str] = set()
        for j, opt in enumerate(node.options):
            key = opt.label.strip().casefold()
            if key in labels:
                ctx.add(src, "RB034", ("nodes", i, "options", j, "label"),
                        f"noden «{node.id}» har to svar som heter «{opt.label}»", "gi svarene ulike tekster")
            labels.add(key)


@rule("RB032", "tree-dangling-option", "feil", family="veivisere", kind="trees")
def tree_option_targets(ctx, tree, src) -> None:
    """Et svar i en veiviser fører til en node som ikke finnes."""
    index = _index(tree)
    for i, node in enumerate(tree.nodes):
        for j, opt in enumerate(node.options):
            if opt.next not in index:
                ctx.add(src, "RB032", ("nodes", i, "options", j, "next"),
                        f"svaret «{opt.label}» i noden «{node.id}» fører til «{opt.next}», som ikke finnes",
                        did_you_mean(opt.next, index) or "pek på en node i treet")


define("RB030", "tree-unreachable-node", "feil", """
    En node i en veiviser kan ikke nås fra starten.""", "veivisere")


@rule("RB031", "tree-cycle", "feil", family="veivisere", kind="trees", also=("RB030",))
def tree_walk(ctx, tree, src) -> None:
    """En veiviser går i ring: et svar fører tilbake til et spørsmål man allerede har svart
    på."""
    index = _index(tree)
    if tree.start not in index:
        return
    # Edges are (node index, option index, target); a duplicated node id (RB035) keeps its
    # own options under its own index, so positions stay right and nothing crashes.
    edges: dict[str, list[tuple[int, int, str]]] = {}
    for i, node in enumerate(tree.nodes):
        out = edges.setdefault(node.id, [])
        out.extend((i, j, opt.next) for j, opt in enumerate(node.options) if opt.next in index)
    # Reachability and cycles in one iterative depth-first walk (white/grey/black).
    state: dict[str, int] = {tree.start: 1}
    stack = [(tree.start, iter(edges[tree.start]))]
    while stack:
        node_id, children = stack[-1]
        for i, j, child in children:
            if state.get(child) == 1:
                ctx.add(src, "RB031", ("nodes", i, "options", j, "next"),
                        f"svaret «{tree.nodes[i].options[j].label}» i noden «{node_id}» fører tilbake til "
                        f"«{child}»: treet går i ring", "en veiviser må alltid ende i et utfall")
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(edges[child])))
                break
        else:
            state[node_id] = 2
            stack.pop()
    for i, node in enumerate(tree.nodes):
        if node.id not in state and index[node.id] == i:
            ctx.add(src, "RB030", ("nodes", i, "id"), f"noden «{node.id}» kan ikke nås fra start («{tree.start}»)",
                    "la et svar føre hit, eller fjern noden")


@check("trees", codes=("RB010", "RB029"))
def tree_outcomes(ctx, tree, src) -> None:
    for i, node in enumerate(tree.nodes):
        if node.outcome is None:
            continue
        o, opath = node.outcome, ("nodes", i, "outcome")
        for j, a in enumerate(o.responsible):
            ctx.actor(src, opath + ("responsible", j), a)
        for j, c in enumerate(o.contacts):
            ctx.actor(src, opath + ("contacts", j), c)
        if o.routine:
            ctx.ref(src, opath + ("routine",), o.routine, ctx.ds.routines, "rutine")
        ctx.section_ref(src, opath + ("section",), o.routine or tree.routine, o.section)
        ctx.deadline(src, opath + ("deadline",), o.deadline)


@rule("RB056", "diagram-failed", "feil", family="veivisere", kind="trees")
def tree_diagram(ctx, tree, src) -> None:
    """Diagrammet for en veiviser kan ikke tegnes av Graphviz (sjekk teksten i spørsmål og
    svar)."""
    import graphviz

    from ..diagram import tree_svg

    try:
        tree_svg(tree)
    except graphviz.ExecutableNotFound:
        return  # no Graphviz here; the build machine has it and reports there
    except (graphviz.CalledProcessError, OSError, RuntimeError, ValueError) as exc:
        detail = " ".join(str(getattr(exc, "stderr", "") or exc).split())[:160]
        ctx.add(src, "RB056", ("nodes",), f"diagrammet for veiviseren kan ikke tegnes av Graphviz ({detail})",
                "sjekk teksten i spørsmål og svar")
