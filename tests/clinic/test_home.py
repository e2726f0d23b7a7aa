import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("client_fixture", "home"),
    [
        ("neurologist_client", "neurologist_home"),
        ("front_desk_client", "front_desk_home"),
        ("patient_client", "portal:home"),
    ],
)
def test_each_role_lands_on_its_own_home(request, client_fixture, home):
    client = request.getfixturevalue(client_fixture)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200


def test_an_account_without_a_role_is_refused(client):
    client.force_login(UserFactory(username="norole"))
    response = client.get("/")
    assert response.status_code == 403
    assert b"no role" in response.content


def test_a_superuser_without_a_role_goes_to_the_admin(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    response = client.get("/")
    assert response.url == reverse("admin:index")


def test_login_page_logs_a_user_in_and_sends_them_home(client, neurologist):
    response = client.post(
        reverse("login"), {"username": "neuro", "password": "correct-horse-battery"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("neurologist_home")


def test_wrong_password_shows_a_clear_message(client, neurologist):
    response = client.post(reverse("login"), {"username": "neuro", "password": "nope"})
    assert response.status_code == 200
    assert b"did not match" in response.content


def test_healthz_answers_without_login(client):
    assert client.get("/healthz").content == b"ok"
