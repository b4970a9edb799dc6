"""Where each object of a revision is referenced from: pyHanko's reverse reference map, made faster.

pyHanko's difference analysis needs, for every revision after a signature, every path
from the trailer to every object (`HistoricalResolver._load_reverse_xref_cache`). On a
tagged routine PDF that is ~280,000 visits per revision: it descends into every number of
every font's width table once per page that uses the font, keeps the path as a linked
list and looks for cycles by walking that list. Verifying after the fifth signature does
it for four revisions, which made signing slower than a second.

`reverse_references` computes the same map (the same paths, the same page-tree and
structure-tree rules, the same cycle rule) without visiting values that cannot hold a
reference, with tuples as paths and a set for the references on the current path. The
result is compared with pyHanko's own on signed and attacked files in tests/test_sign.py;
the diff policy sees exactly what it saw before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping


def reverse_references(resolver) -> None:  # noqa: C901 - kept in the shape of pyHanko's method it must equal
    """Fill `resolver._indirect_object_access_cache` as pyHanko 0.38's own method does."""
    from pyhanko.pdf_utils import generic, misc
    from pyhanko.pdf_utils.reader import RawPdfPath

    if resolver._indirect_object_access_cache is not None:
        return
    indirect, dictionary, array = generic.IndirectObject, generic.DictionaryObject, generic.ArrayObject
    containers = (indirect, dictionary, array)  # nothing else can lead to a reference
    collected: dict = defaultdict(set)
    struct_root = ("/Root", "/StructTreeRoot")
    on_path: set = set()  # the references on the current path (a cycle ends the path)

    def walk(obj, path: tuple, in_struct: bool) -> None:
        # Values that cannot hold a reference are skipped before the call, and an indirect
        # child is followed here, so the ~70,000 visits of a tagged PDF cost one call each.
        if isinstance(obj, dictionary):
            children = [(key, value) for key, value in obj.items()
                        if isinstance(value, containers) and key != "/Parent" and not (in_struct and key == "/P")]
            enter_struct = path == struct_root
        elif isinstance(obj, array):
            children = [(ix, value) for ix, value in enumerate(obj) if isinstance(value, containers)]
            enter_struct = False
        else:
            return
        for step, value in children:
            child_path = (*path, step)
            child_struct = in_struct or (enter_struct and step == "/K")
            if isinstance(value, indirect):
                ref = value.reference
                if ref in on_path:
                    continue
                collected[ref].add(child_path)
                # A page-tree node only through its place in the tree; a structure element
                # only from inside the structure tree (pyHanko's rules, kept as they are).
                if page_tree.get(ref, child_path) != child_path or (not child_struct and ref in struct_nodes):
                    continue
                target = resolver(ref)
                if isinstance(target, (dictionary, array)):
                    on_path.add(ref)
                    walk(target, child_path, child_struct)
                    on_path.discard(ref)
            else:
                walk(value, child_path, child_struct)

    def page_tree_refs(node, path):
        for ix, kid in enumerate(node["/Kids"]):
            kid_path = (*path, "/Kids", ix)
            if isinstance(kid, indirect):
                yield kid.reference, kid_path
            kid = kid.get_object()
            if kid.get("/Type", None) == "/Pages":
                yield from page_tree_refs(kid, kid_path)

    def struct_tree_refs(elem):
        try:
            children = elem["/K"]
        except KeyError:
            return
        if not isinstance(children, array):
            children = (children,)
        for child in children:
            child_ref = None
            if isinstance(child, indirect):
                child_ref = child.reference
                child = child.get_object()
            if not isinstance(child, dictionary):
                continue
            try:
                if child["/Type"] != "/StructElem":
                    continue
            except KeyError:
                pass  # /StructElem is the default type
            if child_ref is not None:
                yield child_ref
            yield from struct_tree_refs(child)

    pages_ref = resolver.root.raw_get("/Pages")
    pages_path = ("/Root", "/Pages")
    page_tree: dict = {}
    if isinstance(pages_ref, indirect):
        page_tree[pages_ref.reference] = pages_path
    for ref, path in page_tree_refs(pages_ref.get_object(), pages_path):
        if ref in page_tree:
            raise misc.PdfReadError("Circular reference in page tree in mapping stage")
        page_tree[ref] = path
    struct_nodes: set = set()
    try:
        for ref in struct_tree_refs(resolver.root.raw_get("/StructTreeRoot").get_object()):
            if ref in struct_nodes:
                raise misc.PdfReadError("Circular reference in structure tree in mapping stage")
            struct_nodes.add(ref)
    except KeyError:
        pass
    walk(resolver.trailer_view, (), False)
    resolver._indirect_object_access_cache = _Usages(collected, RawPdfPath)


class _Usages(Mapping):
    """reference -> the set of pyHanko paths to it, made when the policy asks for a reference.

    The analysis asks for a few dozen references (those a later revision replaces, the
    form's fields); building all ~30,000 path objects up front took a fifth of the map's time.
    As a Mapping it compares equal to pyHanko's plain dict with the same content."""

    def __init__(self, collected: dict, path_class):
        self._raw, self._made, self._path_class = collected, {}, path_class

    def __getitem__(self, ref):
        made = self._made.get(ref)
        if made is None:
            made = self._made[ref] = {self._path_class(*path) for path in self._raw[ref]}
        return made

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)
