"""Helpers for the Playwright browser tests."""

from pathlib import Path

from tests.factories import TEST_PASSWORD

AXE = Path(__file__).resolve().parents[1] / "var/axe/node_modules/axe-core/axe.min.js"
SERIOUS = """async () => {
    const result = await axe.run(document);
    return result.violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}"""
# How far the page scrolls sideways (more than 0: it does not reflow).
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def log_in(page, username: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def serious_violations(page, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations on the page, as "rule: targets" lines."""
    page.evaluate(axe_source)  # evaluated through the DevTools protocol: no inline script
    return page.evaluate(SERIOUS)
