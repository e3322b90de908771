"""Request parsers of the API."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with a body nested deeper than Python's parser goes (a few thousand)
    answered as a parse error, not a 500. (Bodies too large are refused before: see
    config.middleware.RequestGuardMiddleware.)"""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply") from None
