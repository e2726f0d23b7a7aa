"""Peak memory of each big export at the configured database's size (`make bench-exports`).

Each export runs in a process of its own, its output thrown away as it is written; the peak
resident memory of that process (`ru_maxrss` from `wait4`) is printed beside the same for a
process that only starts Django, so the difference is the export's own. Run it on two clinic
sizes (`make large-clinic PATIENTS=300`, then 3000): flat columns mean constant memory.

    python -m demo.bench.export_memory [--database-url URL]
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup()\n"
# Each export as a few lines of Python run after Django is set up; `out` is a sink that counts.
EXPORTS = {
    "django only (baseline)": "",
    "progress_report json": (
        "from django.core.management import call_command\n"
        "call_command('progress_report', '--format', 'json', stdout=out)\n"
    ),
    "progress_report jsonl": (
        "from django.core.management import call_command\n"
        "call_command('progress_report', '--format', 'jsonl', stdout=out)\n"
    ),
    "progress_report csv": (
        "from django.core.management import call_command\n"
        "call_command('progress_report', '--format', 'csv', stdout=out)\n"
    ),
    "clinic audit, 12 months": (
        "from datetime import timedelta\n"
        "from django.utils import timezone\n"
        "from reviews.clinic_audit import clinic_audit\n"
        "today = timezone.localdate()\n"
        "out.write(repr(clinic_audit(today - timedelta(days=364), today)))\n"
    ),
    "records zip, heaviest diary": (
        "from django.db.models import Count\n"
        "from django.test import RequestFactory\n"
        "from patients.data_export import archive_chunks\n"
        "from patients.models import Patient\n"
        "patient = Patient.objects.annotate(days=Count('diary_days')).order_by('-days').first()\n"
        "request = RequestFactory().get('/', SERVER_NAME='localhost')\n"
        "for chunk in archive_chunks(patient, request):\n"
        "    out.write(chunk)\n"
    ),
}
SINK = (
    "class Sink:\n"
    "    size = 0\n"
    "    def write(self, text, *args, **kwargs):\n"
    "        self.size += len(text)\n"
    "    def flush(self):\n"
    "        pass\n"
    "out = Sink()\n"
)
REPORT = "import sys; sys.stderr.write(f'{out.size}\\n')\n"


def run(code: str, env: dict) -> tuple[float, float, int]:
    """Seconds, peak resident MB and bytes written of `code` in a process of its own."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", SETUP + SINK + code + REPORT],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    errors = process.stderr.read()
    process.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(errors)
    written = int(errors.strip().splitlines()[-1])
    return seconds, usage.ru_maxrss / 1024, written  # ru_maxrss is in KiB on Linux


def clinic_size(env: dict) -> str:
    code = (
        "from patients.models import Patient\nfrom diaries.models import DiaryDay\n"
        "out.write(f'{Patient.objects.count():,} patients, "
        "{DiaryDay.objects.count():,} diary days')\n"
    )
    output = subprocess.run(
        [
            sys.executable,
            "-c",
            SETUP + SINK.replace("self.size += len(text)", "print(text)") + code,
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return output.stdout.strip()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="Default: $DATABASE_URL.")
    args = parser.parse_args(argv)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clinic.settings"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    print(f"Exports on {clinic_size(env)} (load average {os.getloadavg()[0]:.2f}):")
    header = ("export", "seconds", "peak MB", "over baseline", "written")
    print("| {:<28} | {:>7} | {:>7} | {:>13} | {:>12} |".format(*header))
    print(f"|{'-' * 30}|{'-' * 9}|{'-' * 9}|{'-' * 15}|{'-' * 14}|")
    baseline = None
    for name, code in EXPORTS.items():
        seconds, peak, written = run(code, env)
        baseline = peak if baseline is None else baseline
        print(
            f"| {name:<28} | {seconds:>7.1f} | {peak:>7.1f} | {peak - baseline:>13.1f} | "
            f"{written:>12,} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
