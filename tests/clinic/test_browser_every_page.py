"""Every page the clinic serves, as each role that may open it sees it: axe-core finds no
serious or critical violation, and no page scrolls sideways at 200% zoom. The pages are the
GET URLs of the permission matrix (`test_url_permissions.URLS`), so a new page is checked the
day it is listed there. Staff pages are checked on a 1280 px screen, portal pages on a 390 px
phone (at 200%, 195 CSS px)."""

import pytest

from clinic.roles import Role
from tests.browser import OVERFLOW, log_in, serious_violations
from tests.clinic.test_url_permissions import URLS, resolve

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Downloads and files, not pages a person reads in the browser.
NOT_PAGES = {
    "patients:data_export",
    "portal:export",
    "portal:my_records",
    "diary:export",
    "schedule:patient_ics",
    "progress:letter_download",
}
PAGES = [url for url in URLS if url.method == "get" and url.name not in NOT_PAGES]


def pages_for(role: Role) -> list:
    return [url for url in PAGES if role in url.roles]


def scrolls_sideways_at_200_percent(page) -> str:
    """200% zoom halves the CSS width; a page that then scrolls sideways fails WCAG reflow."""
    viewport = page.viewport_size
    page.set_viewport_size({"width": viewport["width"] // 2, "height": viewport["height"]})
    overflow = page.evaluate(OVERFLOW)
    page.set_viewport_size(viewport)
    return f"scrolls {overflow} px sideways at 200% zoom" if overflow > 0 else ""


def violations_on_every_page(page, axe_source, world, role: Role) -> dict[str, list[str]]:
    log_in(page, world["users"][role].username)
    found = {}
    for url in pages_for(role):
        response = page.goto(resolve(url, world))
        assert response.status < 400, f"{url.name} answered {response.status}"
        if problems := serious_violations(page, axe_source):
            found[url.name] = problems
        if sideways := scrolls_sideways_at_200_percent(page):
            found[url.name] = found.get(url.name, []) + [sideways]
    return found


@pytest.mark.parametrize("role", [Role.NEUROLOGIST, Role.FRONT_DESK], ids=str)
def test_every_staff_page_passes_axe(page, axe_source, world, role):
    assert len(pages_for(role)) >= 20  # the matrix, not an empty list, is what was checked
    assert violations_on_every_page(page, axe_source, world, role) == {}


def test_every_portal_page_passes_axe_on_a_phone(phone_page, axe_source, world):
    assert len(pages_for(Role.PATIENT)) >= 10
    assert violations_on_every_page(phone_page, axe_source, world, Role.PATIENT) == {}
