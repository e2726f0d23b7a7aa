"""Generated input thrown at every form and at the diary import: never a 500, never a half save.

Every page of the URL matrix that shows a POST form with two or more fields is found by
rendering it as a role that may use it; its fields are read from the HTML and hypothesis fills
them with values mixing the page's own options with junk (empty, huge, negative, malformed dates,
control characters, other scripts). A refused form must leave every table as it was.
"""

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diaries.exchange import import_csv
from tests.clinic.test_url_permissions import OPENED_BY_A_ROLE, URLS, resolve

pytestmark = pytest.mark.django_db

EXAMPLES_PER_FORM = 20
SKIPPED_FIELDS = {"csrfmiddlewaretoken"}
CLINICAL_APPS = ("patients", "diaries", "treatments", "scheduling", "reviews")

JUNK = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(min_size=120, max_size=160),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(
        [
            "2999-01-01",
            "1899-12-31",
            "2026-02-30",
            "31/12/2020",
            "0000-00-00",
            "yesterday",
            "-1",
            "2.5",
            "1e309",
            "NaN",
            "True",
            "on",
            "\x00",
            "<script>",
            "' OR 1=1 --",
        ]
    ),
)


class FormFields(HTMLParser):
    """The POST forms of a page: their action and the names (and offered values) of fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.form = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.form = {"action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self.form)
        elif self.form is not None and tag in ("input", "select", "textarea", "option"):
            if tag == "option" and self.select:
                self.form["fields"][self.select].append(attrs.get("value", ""))
                return
            name = attrs.get("name")
            if not name or name in SKIPPED_FIELDS or attrs.get("type") == "file":
                return
            offered = self.form["fields"].setdefault(name, [])
            if attrs.get("value"):
                offered.append(attrs["value"])
            self.select = name if tag == "select" else None

    select = None

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        if tag == "select":
            self.select = None


def main_form(html: str) -> dict | None:
    parser = FormFields()
    parser.feed(html)
    forms = [form for form in parser.forms if len(form["fields"]) >= 2]
    return max(forms, key=lambda form: len(form["fields"]), default=None)


def clinical_tables() -> list[str]:
    return [
        model._meta.db_table
        for app in CLINICAL_APPS
        for model in apps.get_app_config(app).get_models()
    ]


def clinical_row_counts() -> dict[str, int]:
    """Every clinical table's row count, in one query (it runs twice per generated example)."""
    tables = clinical_tables()
    counts = ", ".join(f'(SELECT count(*) FROM "{table}")' for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


FORM_URLS = [url for url in OPENED_BY_A_ROLE if url.method == "get"]


@pytest.mark.parametrize("url", FORM_URLS, ids=lambda url: url.name)
def test_generated_input_never_breaks_a_form(client, world, url):
    client.force_login(world["users"][next(iter(sorted(url.roles)))])
    address = resolve(url, world)
    page = client.get(address)
    is_page = page.status_code == 200 and page["Content-Type"].startswith("text/html")
    form = main_form(page.content.decode()) if is_page else None
    if form is None:
        pytest.skip("no form with fields on this page")
    target = form["action"] or address
    values = {
        name: st.one_of(st.sampled_from(offered), JUNK) if offered else JUNK
        for name, offered in form["fields"].items()
    }

    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
        database=None,
    )
    @given(st.fixed_dictionaries(values))
    def post_it(data):
        with transaction.atomic():
            before = clinical_row_counts()
            response = client.post(target, data)
            assert response.status_code < 500, (target, data)
            if response.status_code == 200:  # refused and shown again: nothing was saved
                assert clinical_row_counts() == before, (target, data)
            transaction.set_rollback(True)

    post_it()


CSV_HEADER = (
    "date,headache,severity,hours,one_sided,pulsating,worse_with_activity,nausea_vomiting,"
    "light_sensitivity,sound_sensitivity,aura,medications,relief,missed_work,cancelled_plans,"
    "bed_rest,note"
)
CSV_CELL = st.one_of(
    st.sampled_from(
        [
            "",
            "yes",
            "no",
            "mild",
            "severe",
            "2026-01-05",
            "25",
            "-1",
            "Sumatriptan:triptan:2",
            "x:unknown:1",
            "a:simple:-3",
            '"',
            ",",
            "\n",
        ]
    ),
    st.text(max_size=12),
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    rows=st.lists(st.lists(CSV_CELL, min_size=0, max_size=19), max_size=6),
    raw=st.binary(max_size=200),
    use_raw=st.booleans(),
)
def test_generated_csv_is_imported_whole_or_not_at_all(patient, rows, raw, use_raw):
    text = CSV_HEADER + "\n" + "\n".join(",".join(row) for row in rows)
    data = raw if use_raw else text.encode()
    with transaction.atomic():
        before = patient.diary_days.count()
        result = import_csv(patient, data, by=patient.user)
        after = patient.diary_days.count()
        if result.errors:
            assert after == before
        transaction.set_rollback(True)


# Every URL, and every query parameter it reads, with the values at the edges: the first and
# last days and months Python knows, a NUL, numbers too big for any column. The names are those
# the view reads from the query string (recorded while it serves the page) and those the page
# sends back (its GET forms and its links).
EDGE_VALUES = ["0001-01-01", "9999-12-31", "0001-01", "9999-12", "9" * 25, "-" + "9" * 25]
HUGE_ID = 10**20


class QueryNames(HTMLParser):
    """The names a page sends in query strings: fields of its GET forms, keys of its links."""

    def __init__(self):
        super().__init__()
        self.names: set[str] = set()
        self.in_get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif self.in_get_form and tag in ("input", "select", "textarea") and attrs.get("name"):
            self.names.add(attrs["name"])
        elif tag == "a" and "?" in (attrs.get("href") or ""):
            query = attrs["href"].split("?", 1)[1].split("#")[0]
            self.names |= {pair.split("=")[0] for pair in query.split("&") if pair}

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_get_form = False


@pytest.fixture
def names_read(monkeypatch):
    """The keys looked up in any QueryDict (request.GET, forms' data) from now on."""
    names = set()
    for method in ("get", "getlist", "__getitem__", "__contains__"):
        original = getattr(QueryDict, method)

        def recording(self, key, *args, _original=original, **kwargs):
            names.add(key)
            return _original(self, key, *args, **kwargs)

        monkeypatch.setattr(QueryDict, method, recording)
    return names


def query_names(response, read: set[str]) -> set[str]:
    names = set(read)
    if response["Content-Type"].startswith("text/html"):
        parser = QueryNames()
        parser.feed(response.content.decode())
        names |= parser.names
    return names - SKIPPED_FIELDS


@pytest.mark.parametrize("url", FORM_URLS, ids=lambda url: url.name)
def test_edge_values_in_every_query_parameter_never_give_a_500(client, world, url, names_read):
    client.force_login(world["users"][next(iter(sorted(url.roles)))])
    address = resolve(url, world)
    names = query_names(client.get(address), names_read)
    for name in sorted(names):
        for value in EDGE_VALUES:
            response = client.get(address, {name: value})
            assert response.status_code < 500, (address, name, value)
    nul = client.get(address, {name: "a\x00b" for name in names or ["q"]})
    assert nul.status_code == 400, address


@pytest.mark.parametrize("url", [url for url in URLS if url.kwargs], ids=lambda url: url.name)
def test_ids_too_big_for_any_column_give_404(client, world, url):
    client.force_login(world["users"][next(iter(sorted(url.roles)))])
    response = getattr(client, url.method)(
        resolve(url, world, **{key: HUGE_ID for key in url.kwargs})
    )
    assert response.status_code == 404
