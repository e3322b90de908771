"""Every URL pattern of the project, with sample arguments, so tests can walk them all."""

import re
from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_VALUES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


def _fill(route: str) -> str:
    """Return a route with every <converter:name> replaced by a sample value."""

    def replace(match: re.Match) -> str:
        converter = match.group(1) or "str"
        return SAMPLE_VALUES.get(converter, "1")

    return re.sub(r"<(?:(\w+):)?\w+>", replace, route)


def iter_routes(
    resolver: URLResolver | None = None, prefix: str = "/", namespace: str = ""
) -> Iterator[tuple[str, str, str]]:
    """Yield (route with its <converter:name> parts, namespaced URL name, view) for every
    plain pattern reachable from the root URLconf."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = str(pattern.pattern)
        if route.startswith("^") or "(?P" in route:
            # a regex pattern (the admin's, DRF format suffixes): sample the plain ones only
            route = route.lstrip("^").rstrip("$").replace("\\Z", "")
            if any(ch in route for ch in "()[]?*+\\"):
                continue
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from iter_routes(pattern, prefix + route, inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + route, f"{namespace}{pattern.name or ''}", pattern.lookup_str


def iter_urls() -> Iterator[tuple[str, str]]:
    """Yield (path with sample arguments, view) for every pattern of the root URLconf."""
    for route, _, view in iter_routes():
        yield _fill(route), view
