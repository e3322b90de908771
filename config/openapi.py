"""Pieces the OpenAPI schema (drf-spectacular) shares between endpoints: the error shape,
the usual error responses, and query parameters described from the Django forms that
validate them, so the documentation cannot drift from the validation."""

from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorDetail(serializers.Serializer):
    code = serializers.CharField(
        help_text="machine-readable: invalid, not_found, not_authenticated, "
        "authentication_failed, permission_denied, conflict, throttled, method_not_allowed, "
        "nothing_to_undo, server_error, …"
    )
    message = serializers.CharField(help_text="for people; names the field or parameter")
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text="for invalid input: field or parameter name → its errors",
    )


class ErrorResponse(serializers.Serializer):
    """The body of every 4xx and 5xx JSON response."""

    error = ErrorDetail()


ERRORS = {
    400: (
        "Invalid input; `fields` names each bad field or parameter.",
        {
            "code": "invalid",
            "message": "Invalid input: start: out of range",
            "fields": {"start": ["out of range"]},
        },
    ),
    401: (
        "No or bad credentials: send `Authorization: Token <key>` or a session cookie.",
        {
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
            "fields": {},
        },
    ),
    403: (
        "Signed in, but your role does not allow this.",
        {
            "code": "permission_denied",
            "message": "You do not have permission to perform this action.",
            "fields": {},
        },
    ),
    404: (
        "No such object, or not one you may see.",
        {"code": "not_found", "message": "Not found.", "fields": {}},
    ),
    409: (
        "Conflict with the stored state.",
        {"code": "conflict", "message": "Changed since you read it.", "fields": {}},
    ),
    429: (
        "Too many requests; the `Retry-After` header says when to try again.",
        {
            "code": "throttled",
            "message": "Request was throttled. Expected available in 12 seconds.",
            "fields": {},
        },
    ),
}


def error_responses(*statuses: int) -> dict:
    """Return responses for the given error statuses (401, 403 and 429 always), in the one
    shape; an endpoint with another body for one status merges its own entry over it."""
    responses = {}
    for status in sorted({*statuses, 401, 403, 429}):
        description, example = ERRORS[status]
        responses[status] = OpenApiResponse(
            ErrorResponse,
            description=description,
            examples=[OpenApiExample(f"{status}", value={"error": example}, status_codes=[status])],
        )
    return responses


def _parameter_type(field: forms.Field) -> OpenApiTypes:
    if isinstance(field, forms.IntegerField):
        return OpenApiTypes.INT
    if isinstance(field, forms.DateField):
        return OpenApiTypes.DATE
    if isinstance(field, forms.TypedMultipleChoiceField) and field.coerce is int:
        return OpenApiTypes.INT
    return OpenApiTypes.STR


def form_parameters(form_class: type[forms.Form], descriptions: dict[str, str]) -> list:
    """Return OpenAPI query parameters for the fields of a filter form.

    descriptions gives each field's text; a field without one is a mistake worth failing on.
    """
    parameters = []
    for name, field in form_class.base_fields.items():
        enum = None
        choices = getattr(field, "choices", None)
        if choices and not isinstance(field, forms.TypedMultipleChoiceField):
            enum = [str(value) for value, _ in choices if value != ""]
        many = isinstance(field, forms.MultipleChoiceField)
        parameters.append(
            OpenApiParameter(
                name,
                _parameter_type(field),
                OpenApiParameter.QUERY,
                required=False,
                description=descriptions[name],
                enum=enum,
                many=many or None,
                explode=True if many else None,
            )
        )
    return parameters
