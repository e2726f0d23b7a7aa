import shutil
import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from demo.bench.load import BenchError
from demo.bench.runner import BenchFailed, run_bench
from demo.bench.server import ServerError
from demo.bench.targets import TargetError


class Command(BaseCommand):
    help = (
        "Benchmark the key pages under gunicorn as in production (README 'Benchmark'): "
        "prints a table and writes var/bench/latest.md, keeping the last run as previous.md. "
        "It writes to the database (audit events, a diary day saved over and over): run it on "
        "a demo or copy database, never a clinic's."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=10, help="Per page (default 10).")
        parser.add_argument(
            "--concurrency", type=int, default=2, help="Requests in flight (default 2)."
        )
        parser.add_argument("--port", type=int, default=8123, help="Loopback port (8123).")
        parser.add_argument(
            "--workers",
            type=int,
            default=2,
            help="gunicorn sync workers (default 2: one per request in flight, no queueing).",
        )

        parser.add_argument(
            "--save", help="Also keep the results (latest.json) at this path (make bench-growth)."
        )

    def handle(self, *args, seconds, concurrency, port, workers, save=None, **options):
        if seconds <= 0 or concurrency < 1 or workers < 1:
            raise CommandError("--seconds must be positive, --concurrency and --workers >= 1.")
        if workers < concurrency:
            self.stderr.write(
                f"Note: {concurrency} requests in flight but {workers} workers: requests queue "
                "in gunicorn and the latencies include the wait."
            )
        # `kill` as well as Ctrl-C unwinds, so gunicorn and the temporary devices go away.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            rows, path = run_bench(
                seconds=seconds,
                concurrency=concurrency,
                port=port,
                workers=workers,
                log=self.stderr.write,
            )
        except (TargetError, ServerError, BenchFailed, BenchError) as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            self.stderr.write("Interrupted: gunicorn stopped, no report written.")
            sys.exit(130)
        self.stdout.write(path.read_text())
        self.stdout.write(f"Written to {path}")
        if save:
            shutil.copyfile(path.with_suffix(".json"), save)
            self.stdout.write(f"Results kept at {save}")
        failed = [row.label for row in rows if row.errors or not row.requests]
        if failed:
            raise CommandError(f"Pages with errors: {', '.join(failed)} (see {path}).")
