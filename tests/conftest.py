"""Shared fixtures: the real data set, loaded once per session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rutinebok.checks import run_checks
from rutinebok.findings import Report
from rutinebok.load import load_dataset

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="session")
def real():
    """(dataset, load report, check findings) for data/ as of TODAY."""
    report = Report()
    ds = load_dataset(ROOT / "data", report, display_base=ROOT)
    findings = run_checks(ds, TODAY) if not ds.failed_files else []
    return ds, report, findings
