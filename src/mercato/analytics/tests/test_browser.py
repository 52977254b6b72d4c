"""The dashboard in a real headless browser (Chromium): unfold's Chart.js draws the chart of
the last 30 days. Skipped where Chromium is not installed."""

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
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def browse(url: str, *extra: str) -> str:
    """What Chromium has in the page after its scripts ran (virtual time, so no sleeping)."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--window-size=1400,1800", "--virtual-time-budget=10000", *extra, url]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_the_dashboard_draws_its_chart(live_server, transactional_db, settings, tmp_path):
    settings.ROOT_URLCONF = "mercato.analytics.tests.browser_urls"
    for days_ago, price in ((0, "20.00"), (1, "35.00"), (3, "12.00")):
        place(at=timezone.now() - timedelta(days=days_ago), lines=[Line(price)], shipping="0")
    run_tasks()
    owner = StaffFactory(is_superuser=True)
    start = f"{live_server.url}/browser-sign-in/?" + urlencode(
        {"user": owner.pk, "next": "/admin/"}
    )

    dom = browse(start, "--dump-dom")

    assert "Sales in EUR" in dom
    (canvas,) = re.findall(r"<canvas[^>]*data-type=\"line\"[^>]*>", dom)
    # Chart.js sizes the canvas it draws on: the style it sets and the pixel size it chose.
    assert re.search(r"style=\"[^\"]*display: block;[^\"]*height: 280px;", canvas), canvas
    width = int(re.search(r" width=\"(\d+)\"", canvas)[1])
    assert width > 300
