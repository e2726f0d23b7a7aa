"""Run writes at the same moment on separate database connections (needs transactional tests)."""

import threading

from django.db import connection


def race(*attempts, expected: tuple[type[Exception], ...]) -> list:
    """Start every attempt at once, each on its own connection; return results or the
    `expected` errors they raised (anything else fails the test in its thread)."""
    start, results = threading.Barrier(len(attempts)), []

    def run(attempt):
        try:
            start.wait(5)
            results.append(attempt())
        except expected as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    return results
