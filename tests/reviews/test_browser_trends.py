"""The progress page's charts with 1, 7 and 20 cycles, on a desktop, a phone and at 200% zoom:
no two labels overlap, nothing is cut, and the screenshots are there to look at."""

from datetime import date, timedelta
from unittest import mock

import pytest

from diaries.models import DiaryDay
from tests.browser import log_in
from tests.conftest import SCREENSHOT_DIR
from tests.factories import PatientFactory
from tests.reviews.progress_helpers import treat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = date(2026, 11, 20)

# Every visible text in the charts that overlaps another in the same SVG, or is cut at its
# edge. Texts may be turned: each is the rectangle of its box mapped to the screen, and two
# overlap unless one of their four edge directions separates them.
OVERLAPS = """() => {
  const corners = t => {
    const b = t.getBBox(), m = t.getScreenCTM();
    const [x0, y0, x1, y1] = [b.x, b.y, b.x + b.width, b.y + b.height];
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
      .map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]);
  };
  const axes = c => [0, 1].map(i => [c[i + 1][1] - c[i][1], c[i][0] - c[i + 1][0]]);
  const apart = (p, q) => [...axes(p), ...axes(q)].some(([ax, ay]) => {
    const dots = c => c.map(([x, y]) => x * ax + y * ay);
    const a = dots(p), b = dots(q), size = Math.hypot(ax, ay) || 1;
    const gap = Math.max(Math.min(...b) - Math.max(...a), Math.min(...a) - Math.max(...b));
    return gap / size > -1;
  });
  const found = [];
  for (const svg of document.querySelectorAll('.progress-chart svg, .heatmap svg')) {
    const box = svg.getBoundingClientRect();
    if (!box.width) continue;  // the other layout
    const texts = [...svg.querySelectorAll('text')].filter(t => t.textContent.trim())
      .map(t => [t.textContent, corners(t)]);
    for (const [label, c] of texts) {
      if (c.some(([x, y]) => x < box.left - 1 || x > box.right + 1 || y > box.bottom + 1)) {
        found.push('cut: ' + label);
      }
    }
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      if (!apart(texts[i][1], texts[j][1])) found.push(texts[i][0] + ' / ' + texts[j][0]);
    }
  }
  return found;
}"""


def course(cycles: int):
    """`cycles` sessions 84 days apart ending 10 days ago, the diary logged every day from
    the baseline, headache on two days in three, a migraine (aura) on one in three."""
    patient = PatientFactory(given_name="Cy", family_name=f"Cles{cycles}")
    first = TODAY - timedelta(days=10 + 84 * (cycles - 1))
    treat(patient, *(first + timedelta(days=84 * n) for n in range(cycles)))
    start = first - timedelta(days=28)
    DiaryDay.objects.bulk_create(
        DiaryDay(
            patient=patient,
            day=start + timedelta(days=n),
            headache=n % 3 != 0,
            severity="moderate" if n % 3 != 0 else "none",
            aura=n % 3 == 1,
        )
        for n in range((TODAY - start).days)
    )
    return patient


@pytest.fixture(autouse=True)
def today():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        yield


@pytest.fixture
def zoomed_page(browser, live_server):
    """A 1280 px desktop at 200% zoom: 640 CSS px across, two device pixels each."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 640, "height": 900}, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.mark.parametrize("cycles", [1, 7, 20])
def test_labels_never_collide(page, phone_page, zoomed_page, screenshot, neurologist, cycles):
    patient = course(cycles)
    for name, tab in (("desktop", page), ("phone", phone_page), ("zoom", zoomed_page)):
        log_in(tab, neurologist.username)
        tab.goto(f"/patients/{patient.pk}/progress/")
        assert tab.locator(".progress-chart svg:visible").count() == 2  # bars and trend
        assert tab.evaluate(OVERLAPS) == [], name
        assert tab.evaluate("document.documentElement.scrollWidth") <= tab.viewport_size["width"]
        screenshot(tab, f"trends-{cycles}-cycles-{name}")
        charts = tab.locator("main section").filter(has=tab.locator(".progress-chart, .heatmap"))
        for index in range(charts.count()):  # each chart's card alone, to look at closely
            charts.nth(index).screenshot(
                path=SCREENSHOT_DIR / f"trends-{cycles}-cycles-{name}-card{index + 1}.png"
            )
    slots = page.get_by_test_id("progress-chart-wide").get_by_test_id("slot")
    assert slots.count() == cycles + 1
    assert page.get_by_test_id("trend-chart-wide").get_by_test_id("session-mark").count() == cycles
    assert page.locator(".heat-session").count() >= min(cycles, 4)  # the last 12 months'


def test_text_stays_readable_on_a_phone(phone_page, neurologist):
    patient = course(7)
    log_in(phone_page, neurologist.username)
    phone_page.goto(f"/patients/{patient.pk}/progress/")
    sizes = phone_page.evaluate(
        "[...document.querySelectorAll('.progress-chart svg text')]"
        ".filter(t => t.getBoundingClientRect().height)"
        ".map(t => t.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 9  # CSS px: 11–12 px text drawn at about 0.85 scale
