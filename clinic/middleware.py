"""Request and response guards: no caching of health data, no NUL in addresses."""

from django.http import HttpResponseBadRequest
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """`Cache-Control: no-store` (and `private`, `max-age=0`) on every response Django makes.

    Pages, downloads (CSV, zip, PDF, iCalendar) and error pages all get it: the back button
    on a shared clinic PC, or a caching proxy, must not show a patient's data to the next
    person. Static files are answered by WhiteNoise before this runs and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


NUL_IN_ADDRESS = (
    "Bad request: the address holds a NUL character (%00), which no page of the clinic "
    "accepts. Check the link, or type the search again."
)


class RefuseNulMiddleware:
    """A 400 for a NUL character in the path or the query string, before any view runs.

    PostgreSQL cannot store or compare text with NUL, so a view or an admin filter passing
    one to a query failed with a 500. Forms already refuse NUL in fields they post.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.GET.lists()
        texts = [request.path, *(text for key, values in query for text in (key, *values))]
        if any("\x00" in text for text in texts):
            return HttpResponseBadRequest(NUL_IN_ADDRESS, content_type="text/plain")
        return self.get_response(request)
