"""Every page about a patient leaves a trace: a GET that shows it records a view in the trail."""

import pytest

from clinic.models import AuditEvent
from tests.clinic import test_url_permissions as matrix

URLS, resolve = matrix.URLS, matrix.resolve

PATIENT_PAGES = [url for url in URLS if "patient_id" in url.kwargs and url.method == "get"]


@pytest.mark.parametrize("url", PATIENT_PAGES, ids=lambda url: url.name)
def test_opening_a_patient_page_records_who_viewed_which_patient(client, world, url):
    role = sorted(url.roles)[0]
    user = world["users"][role]
    client.force_login(user)
    response = client.get(resolve(url, world), follow=True)  # a day that exists redirects
    assert response.status_code == 200
    shown = [AuditEvent.Action.VIEW, AuditEvent.Action.EXPORT]  # a download is an export
    recorded = AuditEvent.objects.filter(
        action__in=shown, patient_id=world["patient"], user=user
    ).count()
    assert recorded, f"{url.name} shows a patient's data without audit.record_view()"
    assert recorded == 1, f"{url.name} records one visit {recorded} times"
