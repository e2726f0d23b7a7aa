"""Helpers for the Playwright browser tests."""

from tests.factories import TEST_PASSWORD


def log_in(page, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
