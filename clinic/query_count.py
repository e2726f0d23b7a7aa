"""An `X-Query-Count` response header for benchmarks (`make bench`); off by default.

With QUERY_COUNT_HEADER on, settings put this middleware first, so it counts every SQL
statement the request runs on the default database: session, user, two-factor device, the
view, the audit INSERT and the session save on the way out. It exposes how a page is built,
so production leaves it off; the middleware also refuses to load unless the setting is on.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connection

HEADER = "X-Query-Count"


class QueryCountHeaderMiddleware:
    def __init__(self, get_response):
        if not getattr(settings, "QUERY_COUNT_HEADER", False):
            raise MiddlewareNotUsed("QUERY_COUNT_HEADER is off")
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[HEADER] = str(count)
        return response
