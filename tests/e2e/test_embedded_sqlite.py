"""The embedded defaults of `make run`: the four services on SQLite files (no PostgreSQL) close both
journeys, so the quick local run keeps working as the PostgreSQL paths are tuned."""

from __future__ import annotations

import pytest

from onegrid_devstack.flows import dispute, ordinary_report
from onegrid_devstack.town import inside_point

pytestmark = pytest.mark.e2e


def test_both_journeys_close_on_the_embedded_sqlite_databases(start_system, demo_town):
    stack = start_system(sqlite=True)
    urls = {name: stack.url(name) for name in ("intake", "dispatch", "mediation", "notify")}
    lat, lon = inside_point(demo_town, "G001")
    report = ordinary_report(urls, lat=lat, lon=lon)
    assert report.case_number.startswith("YYB-")
    assert report.steps[-1][0] == "reporter sees closed"
    disputed = dispute(urls, grid="G001")
    assert disputed.case_number.startswith("YYB-") and disputed.case_number != report.case_number
    assert disputed.steps[-1][0] == "reporter sees closed"
