"""`postergen report` reading PostgreSQL: a real server started by the tests (tests/pg.py).

Skipped with the reason when the server binaries or psycopg are missing; under CI
(CI=true) that is a failure instead.
"""

from __future__ import annotations

import pytest
from pg import fresh_database, postgres  # noqa: F401 (postgres is a fixture)
from reportdata import event, write_csv, write_postgres
from test_report import ab_campaign, figures, small_rows, tree_rows  # noqa: F401 (ab_campaign is a fixture)

from postergen.report import ReportInputError


def test_postgres_source_gives_the_same_figures_as_csv(postgres, ab_campaign, tmp_path):
    loaded, code = ab_campaign
    events, leads = small_rows(code)
    leads += tree_rows()
    for x in leads[-9:]:
        x["code"] = code[("groups", "a")]
    url = fresh_database(postgres, "report_same")
    other = [event("2026-07-03T01:00:00Z", "view", code[("moments", "a")], "x", campaign="another-campaign")]
    write_postgres(url, events + other, leads)
    from_pg = figures(loaded, url)
    from_csv = figures(loaded, write_csv(tmp_path / "csv", events, leads))
    for key in ("totals", "funnel", "channels", "daily", "unknown_codes", "ab", "fission"):
        assert from_pg[key] == from_csv[key], key
    assert from_pg["source"]["kind"] == "postgresql"
    assert from_pg["totals"]["leads"] == len(leads) and from_pg["fission"]["max_level"] == 3
    assert "1 events rows of other campaigns were left out" in from_pg["notes"]


def test_postgres_errors_hide_the_password(postgres, ab_campaign):
    loaded, _ = ab_campaign
    url = fresh_database(postgres, "report_empty")
    with pytest.raises(ReportInputError, match="no 'events' or 'leads' table"):
        figures(loaded, url)
    wrong = url.replace("postgres@", "postgres:s3cret@").rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(ReportInputError) as exc:
        figures(loaded, wrong)
    assert "cannot read PostgreSQL" in str(exc.value) and "no_such_database" in str(exc.value)
    assert "s3cret" not in str(exc.value)
