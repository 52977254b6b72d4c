"""The dashboard in a real headless browser (Chromium): unfold's Chart.js draws the chart of
the last 30 days. Skipped where Chromium is not installed (Debian: `apt-get install chromium`),
except under CI, which installs it (.ci/run) and must not pass without drawing the charts."""

import os
import re
import shutil
import subprocess
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from mercato.analytics.tests.history import Line, place
from tests.support import StaffFactory, run_tasks

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("CI") != "true", reason="Chromium is not installed"
)


def browse(url: str, *extra: str) -> str:
    """What Chromium has in the page after its scripts ran (virtual time, so no sleeping)."""
    assert CHROMIUM, "Chromium is not installed (apt-get install chromium); CI needs it"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--window-size=1400,1800", "--virtual-time-budget=10000", *extra, url]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def drawn_canvas(dom: str, kind: str) -> str:
    """The page's one chart canvas of `kind`, checked drawn: Chart.js sizes the canvas it
    draws on (the style it sets, the pixel width it chose from the page's layout)."""
    (canvas,) = re.findall(rf"<canvas[^>]*data-type=\"{kind}\"[^>]*>", dom)
    assert re.search(r"style=\"[^\"]*display: block;[^\"]*height: \d+px;", canvas), canvas
    assert int(re.search(r" width=\"(\d+)\"", canvas)[1]) > 300, canvas
    return canvas


def test_the_dashboard_and_a_report_draw_their_charts(live_server, transactional_db, settings):
    settings.ROOT_URLCONF = "mercato.analytics.tests.browser_urls"
    for days_ago, price in ((0, "20.00"), (1, "35.00"), (3, "12.00")):
        place(at=timezone.now() - timedelta(days=days_ago), lines=[Line(price)], shipping="0")
    run_tasks()
    owner = StaffFactory(is_superuser=True)

    def signed_in(page: str) -> str:
        return f"{live_server.url}/browser-sign-in/?" + urlencode({"user": owner.pk, "next": page})

    dashboard = browse(signed_in("/admin/"), "--dump-dom")
    report = browse(signed_in("/admin/reports/revenue/?interval=week"), "--dump-dom")

    assert "Sales in EUR" in dashboard
    assert "Net sales (EUR)" in drawn_canvas(dashboard, "line")
    assert 'id="report-table"' in report and "Download CSV" in report
    assert "Net sales (EUR)" in drawn_canvas(report, "line")

    # the breakdown pages draw theirs too: the orders' bars per group, the funnel's steps
    orders = browse(signed_in("/admin/reports/orders/?by=country"), "--dump-dom")
    assert 'id="report-table"' in orders and "Net sales (EUR)" in drawn_canvas(orders, "bar")
    cohorts = browse(signed_in("/admin/reports/cohorts/"), "--dump-dom")
    assert 'id="report-table"' in cohorts and "Download CSV" in cohorts
