"""The Norwegian words shown to readers are generated from values."""

import datetime as dt

import pytest

from rutinebok.model import Deadline, Duration, Frequency
from rutinebok.words import date_words, duration_words, frequency_words


@pytest.mark.parametrize("iso, words", [
    ("PT48H", "48 timer"),
    ("PT1H", "1 time"),
    ("P2D", "2 døgn"),
    ("P1D", "1 døgn"),
    ("P3M", "3 måneder"),
    ("P1M", "1 måned"),
    ("P2Y", "2 år"),
    ("P1Y6M", "1 år og 6 måneder"),
    ("P2W", "2 uker"),
    ("P1DT12H", "1 døgn og 12 timer"),
])
def test_duration_words(iso, words):
    assert duration_words(iso) == words
    assert Duration(iso).words == words


@pytest.mark.parametrize("bad", ["48 timer", "P", "PT", "P0D", "3M", "P1.5D", "PT48", ""])
def test_malformed_durations_are_refused(bad):
    with pytest.raises(ValueError, match="ISO 8601|null"):
        Duration(bad)


def test_a_month_stays_a_month():
    # 1 month after 31 January is the end of February, not 30 days later.
    assert Duration("P1M").after(dt.date(2023, 1, 31)) == dt.date(2023, 2, 28)
    assert Duration("P1M").after(dt.date(2024, 1, 31)) == dt.date(2024, 2, 29)
    assert Duration("P1M") != Duration("P30D")
    assert Duration("PT48H") == Duration("P2D")  # same span, compared as values


def test_durations_order_sensibly():
    ordered = sorted([Duration("P3M"), Duration("PT48H"), Duration("P2Y"), Duration("P2W")],
                     key=Duration.sort_key)
    assert [d.iso for d in ordered] == ["PT48H", "P2W", "P3M", "P2Y"]


def test_date_words():
    assert date_words(dt.date(2018, 3, 1)) == "1. mars 2018"
    assert date_words(dt.date(2019, 12, 31)) == "31. desember 2019"


@pytest.mark.parametrize("times, per, words", [
    (1, "år", "årlig"), (4, "år", "4 ganger i året"), (2, "måned", "2 ganger i måneden"),
])
def test_frequency_words(times, per, words):
    assert frequency_words(times, per) == words


def test_frequency_also_when_needed():
    assert Frequency(times=4, per="år", also_when_needed=True).words == "4 ganger i året og ved behov"


@pytest.mark.parametrize("short, field, value", [
    ("PT48H", "within", "PT48H"), ("2019-12-31", "by", dt.date(2019, 12, 31)), ("snarest", "when", "snarest"),
])
def test_deadline_shorthand(short, field, value):
    d = Deadline.model_validate(short)
    got = getattr(d, field)
    assert (got.iso if isinstance(got, Duration) else got) == value


def test_deadline_needs_exactly_one_kind():
    with pytest.raises(ValueError, match="nøyaktig én"):
        Deadline.model_validate({"within": "PT48H", "when": "snarest"})
    with pytest.raises(ValueError, match="nøyaktig én"):
        Deadline.model_validate({"after": "noe"})
