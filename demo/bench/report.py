"""The `make bench` table: per page requests/s, median and p95 latency, queries, the ratio to
the trivial page, errors and the targets, then the top statements by total time
(pg_stat_statements); written to var/bench/latest.md (and .json) after the previous run's files
move to previous.md (and .json)."""

import json
import math
import shutil
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from demo.bench.statements import Statements, one_line

MAX_RATIO = 5.0  # a page's median within 5 × the trivial page's
MAX_P95_MS = 250.0
MAX_GROWTH = 1.25  # no page's median more than 25% slower on the larger clinic
BUSY = "not valid: machine busy"


@dataclass
class Row:
    name: str
    label: str
    role: str
    requests: int
    rps: float
    median_ms: float | None
    p95_ms: float | None
    queries: float | None
    ratio: float | None
    errors: int
    error_samples: list[str] = field(default_factory=list)
    previous_median_ms: float | None = None
    busy: bool = False  # the machine was busy: timings are not judged against the targets

    @property
    def verdict(self) -> str:
        if self.errors or not self.requests:
            return f"ERRORS ({self.errors}/{self.requests})" if self.requests else "NO REQUESTS"
        if self.busy:
            return BUSY
        failures = []
        if self.p95_ms is not None and self.p95_ms >= MAX_P95_MS:
            failures.append(f"p95 ≥ {MAX_P95_MS:.0f} ms")
        if self.ratio is not None and self.ratio > MAX_RATIO:
            failures.append(f"> {MAX_RATIO:.0f}× trivial")
        return "FAIL: " + ", ".join(failures) if failures else "pass"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summarise(
    results: list[dict], pages: list[dict], trivial: str = "trivial", *, busy: bool = False
) -> list[Row]:
    """Rows in page order; `results` come from demo.bench.load, `pages` from the spec; `busy`:
    the run is not valid (the machine was busy), so no row passes or fails its targets."""
    labels = {page["name"]: page for page in pages}
    rows = []
    for result in results:
        latencies = result["latencies_ms"]
        rows.append(
            Row(
                name=result["name"],
                label=labels[result["name"]]["label"],
                role=labels[result["name"]]["role"],
                requests=result["requests"],
                rps=result["requests"] / result["seconds"] if result["seconds"] else 0.0,
                median_ms=statistics.median(latencies) if latencies else None,
                p95_ms=percentile(latencies, 0.95) if latencies else None,
                queries=statistics.median(result["queries"]) if result["queries"] else None,
                ratio=None,
                errors=result["errors"],
                error_samples=result["error_samples"],
                busy=busy,
            )
        )
    base = next((row.median_ms for row in rows if row.name == trivial), None)
    for row in rows:
        if base and row.median_ms is not None:
            row.ratio = row.median_ms / base
    return rows


def number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def compare(row: Row) -> str:
    if row.previous_median_ms is None or row.median_ms is None:
        return "—"
    change = (row.median_ms - row.previous_median_ms) / row.previous_median_ms
    return f"{row.previous_median_ms:.1f} → {row.median_ms:.1f} ({change:+.0%})"


def markdown(
    meta: dict, rows: list[Row], statements: Statements | None = None, note: str | None = None
) -> str:
    compared = any(row.previous_median_ms is not None for row in rows)
    lines = [f"# make bench, {meta['date']}", ""]
    if any(row.busy for row in rows):
        lines += [
            f"**{BUSY[:1].upper() + BUSY[1:]}** (load average {meta.get('load average at start')} "
            f"at the start, above {meta.get('busiest load allowed')}): the timings below are "
            "shown but not judged against the targets. Run again when the machine is quiet.",
            "",
        ]
    lines += [f"- **{key}**: {value}" for key, value in meta.items() if key != "date"]
    lines += [
        "",
        f"Targets: median ≤ {MAX_RATIO:.0f}× the trivial page's, p95 < {MAX_P95_MS:.0f} ms. "
        "Latencies in ms, measured by the client over loopback; queries: median X-Query-Count.",
        "",
    ]
    head = ["page", "role", "req/s", "median", "p95", "queries", "× trivial", "errors"]
    head += ["previous → now (median)"] if compared else []
    head += ["target"]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [
            row.label,
            row.role.replace("_", " "),
            number(row.rps),
            number(row.median_ms),
            number(row.p95_ms),
            number(row.queries, 0),
            number(row.ratio, 2),
            f"**{row.errors}**" if row.errors else "0",
        ]
        cells += [compare(row)] if compared else []
        cells += [f"**{row.verdict}**" if row.verdict not in ("pass", BUSY) else row.verdict]
        lines.append("| " + " | ".join(cells) + " |")
    samples = [(row, sample) for row in rows for sample in row.error_samples]
    if samples:
        lines += ["", "Errors (first few per page):", ""]
        lines += [f"- {row.label}: {sample}" for row, sample in samples]
    if statements is not None or note:
        lines += ["", *statements_markdown(statements, note)]
    return "\n".join(lines) + "\n"


def statements_markdown(statements: Statements | None, note: str | None = None) -> list[str]:
    """The section "Top statements by total time": the one-line note when there are none."""
    lines = ["## Top statements by total time", ""]
    if statements is None:
        return [*lines, note or "pg_stat_statements was not used."]
    if not statements.top:
        return [*lines, "No statements recorded in this database during the load."]
    lines += [
        f"pg_stat_statements, this database only, from the start of the load (logins and "
        f"warm-ups included): {statements.all_calls:,} calls, "
        f"{statements.all_ms:,.1f} ms of statement time in all.",
        "",
        "| # | total ms | share | calls | mean ms | rows | statement |",
        "|---|---|---|---|---|---|---|",
    ]
    for rank, statement in enumerate(statements.top, 1):
        query = one_line(statement.query).replace("|", "\\|")
        cells = [
            str(rank),
            f"{statement.total_ms:,.1f}",
            f"{statements.share(statement):.1%}",
            f"{statement.calls:,}",
            f"{statement.mean_ms:.2f}",
            f"{statement.rows:,}",
            f"`{query}`",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def load_previous(directory: Path) -> dict[str, float]:
    """The medians of the last run (latest.json, before it becomes previous.json)."""
    try:
        data = json.loads((directory / "latest.json").read_text())
    except (OSError, ValueError):
        return {}
    return {
        row["name"]: row["median_ms"]
        for row in data.get("rows", [])
        if row.get("median_ms") and not row.get("errors")  # a page of errors is no baseline
    }


def write(
    directory: Path,
    meta: dict,
    rows: list[Row],
    statements: Statements | None = None,
    note: str | None = None,
) -> Path:
    """Move latest.* to previous.*, write the new latest.md and latest.json; return the .md.

    `statements`: the top statements (or `note`, why there are none), when the bench read them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    previous = load_previous(directory)
    for row in rows:
        row.previous_median_ms = previous.get(row.name)
    for suffix in ("md", "json"):
        latest = directory / f"latest.{suffix}"
        if latest.exists():
            shutil.move(latest, directory / f"previous.{suffix}")
    text = markdown(meta, rows, statements, note)
    (directory / "latest.md").write_text(text)
    data = {"meta": meta, "rows": [asdict(row) | {"verdict": row.verdict} for row in rows]}
    if statements is not None:
        data["statements"] = statements.as_json()
    elif note:
        data["statements"] = {"note": note}
    (directory / "latest.json").write_text(json.dumps(data, indent=1, ensure_ascii=False))
    return directory / "latest.md"


def clinic_line(meta: dict) -> str:
    return (
        f"{meta.get('patients')} patients, {meta.get('diary days')} diary days, measured "
        f"{meta.get('date')} at commit {meta.get('commit')}, load average at start "
        f"{meta.get('load average at start')}"
    )


def growth_markdown(small: dict, large: dict) -> str:
    """Each page's median, p95 and queries on two clinics (two saved latest.json), and how
    much slower the larger is: the target is at most `MAX_GROWTH` × and the same queries."""
    before = {row["name"]: row for row in small["rows"]}
    lines = [
        "# make bench-growth",
        "",
        *(
            f"- **{which}**: {clinic_line(run['meta'])}"
            for which, run in [("smaller", small), ("larger", large)]
        ),
        "",
        f"Target: the larger clinic's median at most {MAX_GROWTH:.2f}× the smaller's, and the "
        "same query count.",
        "",
        "| page | median (smaller) | median (larger) | growth | queries | target |",
        "|---|---|---|---|---|---|",
    ]
    busy = any(row.get("verdict") == BUSY for row in [*small["rows"], *large["rows"]])
    for row in large["rows"]:
        old = before.get(row["name"])
        if old is None or not old.get("median_ms") or not row.get("median_ms"):
            lines.append(f"| {row['label']} | — | {number(row.get('median_ms'))} | — | — | — |")
            continue
        growth = row["median_ms"] / old["median_ms"]
        queries = f"{number(old.get('queries'), 0)} → {number(row.get('queries'), 0)}"
        failures = []
        if growth > MAX_GROWTH:
            failures.append(f"> {MAX_GROWTH:.2f}×")
        if old.get("queries") != row.get("queries"):
            failures.append("queries differ")
        verdict = BUSY if busy else ("FAIL: " + ", ".join(failures) if failures else "pass")
        lines.append(
            f"| {row['label']} | {number(old['median_ms'])} | {number(row['median_ms'])} | "
            f"{growth:.2f}× | {queries} | {verdict} |"
        )
    return "\n".join(lines) + "\n"
