"""Words for fields in change summaries, taken from the model's field titles (the same titles
editors see in the schema), so a field is named once, in model.py."""

from __future__ import annotations

from pydantic import BaseModel


def label(model: type[BaseModel], field: str) -> str:
    """The field's title as a word inside a sentence: «Kortnavn» -> «kortnavn», «NAV-kontor» kept."""
    title = model.model_fields[field].title or field
    return title if title[1:2].isupper() else title[:1].lower() + title[1:]


def title(model: type[BaseModel], field: str) -> str:
    """The field's title as it starts a line («Gjelder fra»)."""
    return model.model_fields[field].title or field


def changed_fields(old: BaseModel, new: BaseModel, fields: tuple[str, ...]) -> list[str]:
    """Labels of the given fields whose values differ, in the order given."""
    return [label(type(new), f) for f in fields if getattr(old, f) != getattr(new, f)]
