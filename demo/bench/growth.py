"""`make bench-growth`: how much slower each page is on a larger clinic than on a smaller one.

    python -m demo.bench.growth SMALLER LARGER [--seconds 10]

Each of SMALLER and LARGER is a saved bench result (a `latest.json` kept with `manage.py bench
--save FILE`) or a database URL, which is benchmarked first (`manage.py bench --save`, the
results under var/bench/growth-smaller.json and growth-larger.json). Prints the table of
`demo.bench.report.growth_markdown` and writes it to var/bench/growth.md.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from demo.bench.report import growth_markdown

BASE_DIR = Path(__file__).resolve().parents[2]
OUT_DIR = BASE_DIR / "var" / "bench"


def results(source: str, which: str, seconds: float) -> dict:
    """A saved result file, or the result of benchmarking the database at `source`."""
    if not source.startswith(("postgres://", "postgresql://")):
        return json.loads(Path(source).read_text())
    saved = OUT_DIR / f"growth-{which}.json"
    subprocess.run(
        [sys.executable, "manage.py", "bench", "--seconds", f"{seconds:g}", "--save", str(saved)],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": source},
        check=True,
    )
    return json.loads(saved.read_text())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("smaller", help="A saved bench result (.json) or a database URL.")
    parser.add_argument("larger", help="The same, for the larger clinic.")
    parser.add_argument("--seconds", type=float, default=10, help="Per page, when benchmarking.")
    args = parser.parse_args(argv)
    try:
        small = results(args.smaller, "smaller", args.seconds)
        large = results(args.larger, "larger", args.seconds)
    except (OSError, ValueError, subprocess.CalledProcessError) as error:
        print(f"bench-growth: {error}", file=sys.stderr)
        return 2
    text = growth_markdown(small, large)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "growth.md").write_text(text)
    print(text, end="")
    print(f"Written to {OUT_DIR / 'growth.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
