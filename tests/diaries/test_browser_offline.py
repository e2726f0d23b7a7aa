"""At phone width (390 px), with no signal, a patient logs two days through the day form and
today with one tap on the home page; back online each day reaches the server once, and a replay
of the same entries changes nothing. Screenshots: var/screenshots/offline-*.png."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from diaries.models import DiarySubmission
from tests.browser import AXE, OVERFLOW, log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTROLLED = """async () => {
    await navigator.serviceWorker.ready;
    while (!navigator.serviceWorker.controller) await new Promise((r) => setTimeout(r, 50));
}"""
QUEUED = """() => new Promise((resolve) => {
    const opening = indexedDB.open("diary-offline", 1);
    opening.onsuccess = () => {
        const request = opening.result.transaction("entries").objectStore("entries").getAll();
        request.onsuccess = () => { opening.result.close(); resolve(request.result); };
    };
})"""
REQUEUE = """(entries) => new Promise((resolve) => {
    const opening = indexedDB.open("diary-offline", 1);
    opening.onsuccess = () => {
        const transaction = opening.result.transaction("entries", "readwrite");
        entries.forEach((entry) => transaction.objectStore("entries").put(entry));
        transaction.oncomplete = () => { opening.result.close(); resolve(); };
    };
})"""


@pytest.fixture(scope="module")
def axe():
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test` (it installs it under var/axe).")
    return AXE.read_text()


def checked(page, axe, screenshot, name: str) -> None:
    screenshot(page, f"offline-{name}")
    assert serious_violations(page, axe) == []
    assert page.evaluate(OVERFLOW) <= 0, f"{name} scrolls sideways at 390 px"


def test_two_days_logged_offline_reach_the_server_once(phone_page, screenshot, axe, patient):
    page = phone_page
    today = timezone.localdate()
    yesterday, before = today - timedelta(days=1), today - timedelta(days=2)
    log_in(page, patient.user.username)
    page.goto("/portal/")
    page.evaluate(CONTROLLED)  # the service worker installed (the shell cached) and in charge

    page.context.set_offline(True)
    page.goto(f"/portal/days/new/?date={before.isoformat()}&headache=1")  # from the cache
    page.get_by_label("Moderate", exact=True).check()
    page.get_by_role("button", name="Save").click()
    queue = page.locator("[data-offline-queue]")
    expect(queue).to_contain_text("1 day waiting to be sent")
    page.goto(f"/portal/days/new/?date={yesterday.isoformat()}")
    page.get_by_text("No headache", exact=True).click()
    page.get_by_role("button", name="Save").click()
    expect(queue).to_contain_text("2 days waiting to be sent")
    expect(queue).to_contain_text(f"{yesterday:%A} {yesterday.day} {yesterday:%B} — waiting")
    checked(page, axe, screenshot, "two-waiting")
    page.goto("/portal/")  # the home page from the cache: today is one tap there too
    page.get_by_role("button", name="No headache today").click()
    expect(queue).to_contain_text("3 days waiting to be sent")
    checked(page, axe, screenshot, "home-three-waiting")
    assert not patient.diary_days.exists()
    sent = page.evaluate(QUEUED)

    page.context.set_offline(False)  # the online event sends the queue
    page.get_by_text(f"Sent {yesterday:%A} {yesterday.day} {yesterday:%B}.").wait_for()
    page.get_by_text(f"Sent {before:%A} {before.day} {before:%B}.").wait_for()
    page.get_by_text(f"Sent {today:%A} {today.day} {today:%B}.").wait_for()
    expect(queue).not_to_contain_text("waiting")
    checked(page, axe, screenshot, "sent")
    days = {entry.day: entry for entry in patient.diary_days.all()}
    assert set(days) == {before, yesterday, today}
    assert (days[before].severity, days[yesterday].headache, days[today].headache) == (
        "moderate",
        False,
        False,
    )

    # The answers were lost on the way (say): the phone sends the same entries again.
    page.evaluate(REQUEUE, sent)
    page.reload()
    for day in (yesterday, before, today):
        page.get_by_text(
            f"{day:%A} {day.day} {day:%B} was already received; nothing changed."
        ).wait_for()
    assert patient.diary_days.count() == 3
    assert DiarySubmission.objects.count() == 3
    assert page.evaluate(QUEUED) == []

    # The phone's clock ran a day fast: tomorrow is refused, kept, and changed to today.
    tomorrow = today + timedelta(days=1)
    wrong = {**sent[0], "key": "0f1e2d3c-4b5a-4697-8877-665544332211", "day": tomorrow.isoformat()}
    page.evaluate(REQUEUE, [wrong])
    page.reload()
    page.get_by_text("check the date on your phone").wait_for()
    expect(queue).to_contain_text("1 day not sent")
    checked(page, axe, screenshot, "refused")
    assert patient.diary_days.count() == 3
    meant = today - timedelta(days=4)
    queue.get_by_label("Day").fill(meant.isoformat())
    page.get_by_role("button", name="Send with this day").click()
    page.get_by_text(f"Sent {meant:%A} {meant.day} {meant:%B}.").wait_for()
    assert patient.diary_days.filter(day=meant).count() == 1
    assert page.evaluate(QUEUED) == []


def test_a_save_that_does_not_get_through_is_kept_and_sent_later(phone_page, patient):
    """The phone says it is online, but the post fails: the entry is queued, not lost."""
    page = phone_page
    day = timezone.localdate() - timedelta(days=3)
    log_in(page, patient.user.username)
    page.goto("/portal/")
    page.evaluate(CONTROLLED)
    page.goto(f"/portal/days/new/?date={day.isoformat()}")
    page.context.route(
        "**/portal/days/new/**",
        lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_text("No headache", exact=True).click()
    page.get_by_role("button", name="Save").click()
    queue = page.locator("[data-offline-queue]")
    expect(queue).to_contain_text("1 day waiting to be sent")
    assert not patient.diary_days.exists()
    page.context.unroute("**/portal/days/new/**")
    page.reload()
    page.get_by_text(f"Sent {day:%A} {day.day} {day:%B}.").wait_for()
    assert patient.diary_days.get().day == day

    # Online and getting through, Save goes to the calendar with the server's message.
    page.goto(f"/portal/days/new/?date={(day - timedelta(days=1)).isoformat()}")
    page.get_by_text("No headache", exact=True).click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".alert-success")).to_contain_text("Saved")
    assert patient.diary_days.count() == 2
