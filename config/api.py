"""One error shape for every API error: {"error": {"code", "message", "fields"}}."""

from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the JSON body of an API error."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> Any:
    """Return DRF error details as plain strings and lists."""
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


REFUSALS = (
    exceptions.NotAuthenticated,
    exceptions.AuthenticationFailed,
    exceptions.PermissionDenied,
)


def _throttled_refusal(exc: Exception, context: dict[str, Any]) -> Exception:
    """Return Throttled instead of a refusal when the client is over its rate.

    DRF checks permissions before throttles, so refused requests (no or a bad token, a
    user without a role) would never count: a script hammering the API anonymously would
    not be slowed down. Count them here, by address for anonymous clients.
    """
    view, request = context.get("view"), context.get("request")
    if not isinstance(exc, REFUSALS) or view is None or request is None:
        return exc
    try:
        view.check_throttles(request)
    except exceptions.Throttled as throttled:
        return throttled
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Return DRF's response for exc, reshaped into the one error shape."""
    exc = _throttled_refusal(exc, context)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (logged) takes over
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {}
        messages = exc.detail if isinstance(exc.detail, list) else []
        message = "; ".join(str(m) for m in messages) or "Invalid input."
        if fields:
            message = "Invalid input: " + ", ".join(
                f"{name}: {value[0] if isinstance(value, list) and value else value}"
                for name, value in fields.items()
            )
        response.data = error_body("invalid", message, fields)
    elif isinstance(exc, Http404):
        response.data = error_body("not_found", "Not found.")
    else:
        code = getattr(exc, "default_code", "error")
        detail = getattr(exc, "detail", str(exc))
        response.data = error_body(str(code), str(detail))
    return response


def json_error(request: HttpRequest, status: int, code: str, message: str) -> JsonResponse:
    """Return an error in the API shape for URL-level errors (404/500 under /api/)."""
    return JsonResponse(error_body(code, message), status=status)
