"""Requests refused before any view sees them."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse

from config.api import json_error
from config.params import parse_int
from config.views import bad_request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RequestGuardMiddleware:
    """Refuse, before anything reads them, API bodies too large and NUL characters.

    - An API body over DATA_UPLOAD_MAX_MEMORY_SIZE is answered 413 unread. Django checks
      that limit when a body is read whole, but DRF may read it as a stream, unchecked.
    - A NUL character in a parameter, a form field or a header is answered 400.
      PostgreSQL stores no NUL in text, so one that reached a query, a session lookup or
      a login record failed there (a 500). Forms and the API's fields refuse NUL
      themselves, but not the query parameters and headers that views and libraries (the
      session, django-axes) read directly. JSON bodies are left to the API's fields.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        length = parse_int(request.META.get("CONTENT_LENGTH"))
        if request.path.startswith("/api/") and limit is not None and (length or 0) > limit:
            message = f"The request body is over {limit:,} bytes."
            return json_error(request, 413, "too_large", message)
        if _has_nul(request):
            # answered here, as the 400 page or the API's error (not raised: that would
            # log a traceback for each such request, and show the debug page with DEBUG on)
            return bad_request(request, BadRequest("a NUL character in the request"))
        return self.get_response(request)


def _has_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path:
        return True
    if any("\x00" in value for key, value in request.META.items() if key.startswith("HTTP_")):
        return True
    parameters = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        parameters.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for query in parameters
        for key, values in query.lists()
    )
