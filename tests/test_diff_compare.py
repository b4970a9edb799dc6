"""The comparison layer of `rutinebok diff` on its own: one keyed walk, words from the model."""

from __future__ import annotations

import copy

from rutinebok.diff import compare, keyed
from rutinebok.diff.labels import label
from rutinebok.model import Organisation

from .conftest import TODAY


def test_keyed_pairs_by_key_in_new_order_then_removed():
    old = [{"id": "a", "v": 1}, {"id": "b", "v": 1}, {"id": "c", "v": 1}]
    new = [{"id": "d", "v": 1}, {"id": "c", "v": 2}, {"id": "a", "v": 1}]
    got = [(c.key, c.status) for c in keyed(old, new, key=lambda x: x["id"])]
    assert got == [("d", "added"), ("c", "changed"), ("a", "same"), ("b", "removed")]
    assert [c.key for c in keyed({"b": 1, "a": 2}, {"c": 3}, sort=True)] == ["a", "b", "c"]


def _org_change(real, field: str, value):
    a = real[0]
    b = copy.deepcopy(a)
    setattr(b.organisations["nav-moss"], field, value)
    return compare(a, b, {}, {}, "a", "b", None, TODAY).organisations


def test_field_words_come_from_the_model_titles(real, monkeypatch):
    assert _org_change(real, "short_name", "NAV Moss og omegn") == [
        "NAV Moss og omegn: kortnavn ingen → NAV Moss og omegn."]
    # The title in model.py is the only place the word lives: change it there, the line follows.
    info = copy.copy(Organisation.model_fields["short_name"])
    info.title = "Forkortelse"
    monkeypatch.setitem(Organisation.model_fields, "short_name", info)
    assert label(Organisation, "short_name") == "forkortelse"
    assert _org_change(real, "short_name", "NAV Moss og omegn") == [
        "NAV Moss og omegn: forkortelse ingen → NAV Moss og omegn."]
