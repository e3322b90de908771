"""Numbers sent in requests: ids and versions, read strictly.

str.isdigit() is true of digits int() refuses ("²", "①") and of other scripts' digits
("٣"); a number from a request is ASCII digits only, and within what PostgreSQL stores.
"""

MAX_BIGINT = 2**63 - 1


def parse_int(value: object, *, minimum: int = 0) -> int | None:
    """Return value as an integer (an int, or a string of ASCII digits), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if minimum <= number <= MAX_BIGINT else None


def parse_id(value: object) -> int | None:
    """Return value as a database id (1 or more), or None."""
    return parse_int(value, minimum=1)
