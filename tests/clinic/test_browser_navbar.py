"""The staff navbar stays on one line at 800 px (a small laptop or a tablet held sideways),
and the browser finds the clinic's icon."""

import pytest

from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [800, 1280])
def test_the_staff_navbar_does_not_wrap(page, screenshot, neurologist, width):
    page.set_viewport_size({"width": width, "height": 600})
    log_in(page, neurologist.username)
    navbar = page.locator("nav.navbar").bounding_box()
    assert navbar["height"] < 64  # one line: 56 px (two lines are 80 or more)
    assert page.get_by_role("link", name="My calendar feed").is_visible()  # not collapsed
    screenshot(page, f"navbar-{width}")


def test_the_favicon_is_served(page):
    response = page.request.get("/favicon.ico")
    assert response.ok
    assert response.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
