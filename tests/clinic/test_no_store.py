"""Pages and files with health data are never kept by a browser or a proxy cache."""

import pytest
from django.urls import reverse

from tests.clinic.test_url_permissions import OPENED_BY_A_ROLE, resolve

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", OPENED_BY_A_ROLE, ids=lambda url: url.name)
def test_every_authenticated_response_says_no_store(client, world, url):
    client.force_login(world["users"][next(iter(url.roles))])
    response = getattr(client, url.method)(resolve(url, world))
    assert "no-store" in response.get("Cache-Control", ""), response.get("Cache-Control")


def test_the_admin_and_error_pages_say_no_store_too(admin_client, neurologist_client):
    assert "no-store" in admin_client.get(reverse("admin:index"))["Cache-Control"]
    missing = neurologist_client.get(reverse("patients:chart", args=[987654321]))
    assert missing.status_code == 404 and "no-store" in missing["Cache-Control"]


def test_the_clinicians_feed_file_says_no_store(client, neurologist):
    from scheduling.models import CalendarFeed

    feed = CalendarFeed.objects.create(clinician=neurologist)
    assert "no-store" in client.get(reverse("schedule:feed", args=[feed.token]))["Cache-Control"]


def test_static_files_stay_cacheable(neurologist_client):
    response = neurologist_client.get("/static/clinic.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
