"""The load generator of `make bench`: a separate process using only the standard library.

    python -m demo.bench.load SPEC.json RESULTS.json

SPEC (written by clinic.bench.runner) names the server, the logins and the pages. This process
logs each role in through the real login form (CSRF token from the form and cookie; the
authenticator code when the account has a device), prepares the diary days to save, then
drives each page in turn for a fixed time from `concurrency` threads, each with its own
keep-alive connection, in a closed loop (a thread sends its next request when the last one
has been answered), after a short warm-up that is not recorded. RESULTS gets, per page, every
latency, every X-Query-Count and the errors. It never touches the database: it is a client.

Exit status: 0 when it ran (page errors are in RESULTS), 2 when it could not log in or
prepare, with the reason on stderr.
"""

import hmac
import http.client
import json
import re
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from itertools import count
from urllib.parse import urlencode, urlsplit

USER_AGENT = "clinic-bench/1"
QUERY_HEADER = "X-Query-Count"
ERROR_SAMPLES = 5


class BenchError(Exception):
    """The load could not start: a login or the preparation failed."""


# --- HTTP --------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def location(self) -> str:
        """The redirect target as a path (Django sends relative URLs; strip any origin)."""
        parts = urlsplit(self.headers.get("Location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def queries(self) -> int | None:
        value = self.headers.get(QUERY_HEADER)
        return int(value) if value is not None and value.isdigit() else None


class Client:
    """One keep-alive connection with its own cookies (a browser tab, roughly).

    http.client reconnects by itself after a response that closes the connection (gunicorn's
    sync workers close every one); a connection the server dropped while idle is retried once.
    """

    def __init__(self, base_url: str, cookies: dict | None = None, timeout: float = 60):
        parts = urlsplit(base_url)
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self.cookies = dict(cookies or {})
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def close(self) -> None:
        self.connection.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, fields: list[tuple[str, str]] | dict) -> Response:
        return self.request("POST", path, urlencode(fields, doseq=True).encode())

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ) -> Response:
        headers = {"User-Agent": USER_AGENT, "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                raw = self.connection.getresponse()
                response = Response(raw.status, raw.headers, raw.read())
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        return response

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


# --- forms -------------------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for name, _ in self.fields}

    def with_values(self, **values: str) -> list[tuple[str, str]]:
        """The fields as a browser would submit them, with `values` replacing or adding."""
        kept = [(name, value) for name, value in self.fields if name not in values]
        return kept + list(values.items())


class FormParser(HTMLParser):
    """The forms of a page with the values a browser would submit (checked boxes, selected
    options, textareas), enough to resubmit a form unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.select_value: str | None = None
        self.select_first: str | None = None
        self.textarea: str | None = None
        self.textarea_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self.form)
        if self.form is None or tag == "form":
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
                return
            self.form.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select, self.select_value, self.select_first = name, None, None
        elif tag == "option" and self.select is not None:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.select_value = value
        elif tag == "textarea" and name:
            self.textarea, self.textarea_text = name, []

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None and self.form is not None:
            chosen = self.select_value if self.select_value is not None else self.select_first
            self.form.fields.append((self.select, chosen or ""))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            text = "".join(self.textarea_text)
            self.form.fields.append((self.textarea, text[1:] if text[:1] == "\n" else text))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea_text.append(data)


def find_form(html: str, field_name: str) -> Form:
    """The first POST form on the page with a field called `field_name`."""
    parser = FormParser()
    parser.feed(html)
    for form in parser.forms:
        if form.method == "post" and field_name in form.names():
            return form
    raise BenchError(f"no form with a {field_name!r} field on the page")


# --- two-factor --------------------------------------------------------------------------


def totp(key_hex: str, step: int = 30, t0: int = 0, digits: int = 6, at: float | None = None):
    """The current code of an authenticator app (RFC 6238, as django-otp's TOTPDevice)."""
    counter = int(((time.time() if at is None else at) - t0) // step)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), "sha1").digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


# --- logging in --------------------------------------------------------------------------


def log_in(base_url: str, role: str, login: dict) -> dict:
    """Log in through the login form (and the code page if asked); return the cookies."""
    client = Client(base_url)
    try:
        page = client.get("/accounts/login/")
        if page.status != 200:
            raise BenchError(f"{role}: the login page answered {page.status}")
        form = find_form(page.text, "username")
        fields = form.with_values(username=login["username"], password=login["password"])
        answer = client.post("/accounts/login/", fields)
        if answer.status != 302:
            raise BenchError(
                f"{role}: logging in as {login['username']} was refused (status {answer.status}:"
                " wrong password, or locked out by too many failures?)"
            )
        target = answer.location
        for _ in range(5):  # follow the redirects to the role's home, as a browser would
            if target.startswith("/accounts/two-factor/verify/"):
                target = _enter_code(client, role, login, target)
                continue
            if target.startswith("/accounts/two-factor/"):
                raise BenchError(
                    f"{role}: {login['username']} is asked to set up two-factor; "
                    "the bench gives staff a device (is two-factor required for patients?)"
                )
            landed = client.get(target)
            if landed.status == 200:
                return client.cookies
            if landed.status != 302:
                raise BenchError(f"{role}: {target} answered {landed.status} after logging in")
            target = landed.location
        raise BenchError(f"{role}: too many redirects after logging in")
    finally:
        client.close()


def _enter_code(client: Client, role: str, login: dict, path: str) -> str:
    device = login.get("totp")
    if not device:
        raise BenchError(f"{role}: {login['username']} has a device but the bench has no key")
    for attempt in (1, 2):
        page = client.get(path)
        form = find_form(page.text, "token")
        answer = client.post(path, form.with_values(token=totp(**device)))
        if answer.status == 302:
            return answer.location
        if attempt == 1:  # a code may be used once: wait for the next one
            time.sleep(device.get("step", 30) - time.time() % device.get("step", 30) + 0.5)
    raise BenchError(f"{role}: the authenticator code was refused twice")


# --- the diary save ----------------------------------------------------------------------

DAY_URL = re.compile(r"^/portal/days/\d+/$")


def prepare_diary_days(base_url: str, cookies: dict, days: int) -> list[dict]:
    """The day forms of the last `days` days (from two days ago, past wherever the clinic
    is), as the patient would resubmit them unchanged. A missing day is first entered as
    headache-free through the new-day form."""
    client = Client(base_url, cookies)
    prepared = []
    try:
        for back in range(2, days + 2):
            day = (date.today() - timedelta(days=back)).isoformat()
            path = _day_path(client, day)
            page = client.get(path)
            if page.status != 200:
                raise BenchError(f"the diary day {day} answered {page.status}")
            form = find_form(page.text, "headache")
            prepared.append({"day": day, "path": form.action or path, "fields": form.fields})
    finally:
        client.close()
    return prepared


def _day_path(client: Client, day: str) -> str:
    new = f"/portal/days/new/?date={day}"
    for _ in range(2):
        answer = client.get(new)
        if answer.status == 302 and DAY_URL.match(answer.location):
            return answer.location
        if answer.status != 200:
            raise BenchError(f"the new-day form for {day} answered {answer.status}")
        form = find_form(answer.text, "headache")
        saved = client.post(new, form.with_values(headache="False"))
        if saved.status != 302:
            raise BenchError(f"entering {day} as headache-free was refused ({saved.status})")
    raise BenchError(f"the diary day {day} was saved but cannot be found")


# --- driving a page ----------------------------------------------------------------------


@dataclass
class PageRun:
    name: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, latency_ms: float, queries: int | None, error: str | None) -> None:
        with self.lock:
            self.latencies_ms.append(latency_ms)
            if queries is not None:
                self.queries.append(queries)
            if error:
                self.errors += 1
                if len(self.error_samples) < ERROR_SAMPLES:
                    self.error_samples.append(error)

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "seconds": self.seconds,
            "requests": len(self.latencies_ms),
            "latencies_ms": [round(ms, 3) for ms in self.latencies_ms],
            "queries": self.queries,
            "errors": self.errors,
            "error_samples": self.error_samples,
        }


def check(page: dict, response: Response) -> str | None:
    """None when the page answered as it should, else what went wrong."""
    if page.get("method", "GET") == "POST":
        if response.status == 302 and response.location.startswith(page["expect_redirect"]):
            return None
        if response.status == 200:
            return "200: the form was refused"
        return f"{response.status} {response.location}".strip()
    if response.status == 200:
        return None
    return f"{response.status} {response.location}".strip()


def drive(
    base_url: str,
    page: dict,
    cookies: dict,
    spec: dict,
    saves: list[dict],
    *,
    seconds: float | None = None,
    warmup: float | None = None,
    run: PageRun | None = None,
) -> PageRun:
    """Drive one page from `concurrency` threads for warm-up + seconds (default: the spec's);
    record the seconds, in `run` if given (one round of several)."""
    seconds = spec["seconds"] if seconds is None else seconds
    warmup = spec["warmup"] if warmup is None else warmup
    concurrency = spec["concurrency"]
    if run is None:
        run = PageRun(page["name"], 0)
    run.seconds += seconds
    turn = count()
    ready = threading.Barrier(concurrency + 1)
    clock: dict[str, float] = {}

    def next_request() -> tuple[str, str, bytes | None]:
        if page.get("method", "GET") == "POST":
            day = saves[next(turn) % len(saves)]
            return "POST", day["path"], urlencode(day["fields"], doseq=True).encode()
        return "GET", page["path"], None

    def worker():
        client = Client(base_url, cookies)
        ready.wait()
        try:
            while True:
                method, path, body = next_request()
                started = time.perf_counter()
                if started >= clock["end"]:
                    break
                error = queries = None
                try:
                    response = client.request(method, path, body)
                    error, queries = check(page, response), response.queries
                except (OSError, http.client.HTTPException) as problem:
                    error = f"{type(problem).__name__}: {problem}"
                    client.close()
                    time.sleep(0.05)
                latency = (time.perf_counter() - started) * 1000
                if started >= clock["measure"]:
                    run.record(latency, queries, error)
        finally:
            client.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    clock["measure"] = now + warmup
    clock["end"] = now + warmup + seconds
    ready.wait()
    for thread in threads:
        thread.join()
    return run


def run(spec: dict, progress=None) -> dict:
    """Log in, prepare, drive every page of `spec`; the results as JSON-ready data.

    The pages are interleaved: `spec["rounds"]` rounds each drive every page for its share of
    the seconds (the warm-up in the first round only), so a burst of load elsewhere on the
    machine falls on every page alike instead of on whichever page was running."""
    base_url = spec["base_url"]
    cookies = {role: log_in(base_url, role, login) for role, login in spec["logins"].items()}
    saves: list[dict] = []
    for page in spec["pages"]:
        if page.get("method") == "POST" and not saves:
            saves = prepare_diary_days(base_url, cookies[page["role"]], page.get("days", 30))
    rounds = max(1, spec.get("rounds", 1))
    runs = {page["name"]: PageRun(page["name"], 0) for page in spec["pages"]}
    for number in range(rounds):
        for page in spec["pages"]:
            drive(
                base_url,
                page,
                cookies[page["role"]],
                spec,
                saves,
                seconds=spec["seconds"] / rounds,
                warmup=spec["warmup"] if number == 0 else 0,
                run=runs[page["name"]],
            )
            if progress and number == rounds - 1:
                progress(runs[page["name"]].as_json())
    pages = [runs[page["name"]].as_json() for page in spec["pages"]]
    return {"pages": pages, "diary_days_saved": [day["day"] for day in saves], "rounds": rounds}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m demo.bench.load SPEC.json RESULTS.json", file=sys.stderr)
        return 2
    with open(argv[1]) as spec_file:
        spec = json.load(spec_file)

    def progress(result: dict) -> None:
        errors = f", {result['errors']} errors" if result["errors"] else ""
        print(f"  {result['name']}: {result['requests']} requests{errors}", file=sys.stderr)

    try:
        results = run(spec, progress)
    except BenchError as error:
        print(f"bench load: {error}", file=sys.stderr)
        return 2
    with open(argv[2], "w") as out:
        json.dump(results, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
