"""Streaming exports of annotations: claims or spans, as Excel-safe CSV or JSON Lines.

One SQL query with a server-side cursor feeds both the command and the HTTP endpoint,
so memory stays flat whatever the number of rows, and no model instances are built.
"""

import csv
import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

KINDS = ("claims", "spans")
FORMATS = ("csv", "jsonl")
BATCH = 2000  # rows fetched from the server-side cursor at a time
CHUNK = 64 * 1024  # bytes of CSV per chunk yielded

CLAIM_COLUMNS = [
    "article_id", "article_title", "outlet", "published", "source_file", "claim_text",
    "start", "end", "label", "speaker_text", "speaker_entity", "speaker_entity_latin",
    "speaker_entity_id", "speaker_anonymous", "speaker_description", "source_text",
    "source_entity", "source_entity_id", "annotator", "status", "reviewer", "reviewed_at",
    "created_at", "updated_at", "note",
]  # fmt: skip
SPAN_COLUMNS = [
    "annotation_id", "article_id", "article_title", "outlet", "published", "source_file",
    "label", "label_kind", "text", "start", "end", "entity_id", "entity", "entity_latin",
    "entity_kind", "annotator", "status", "reviewer", "reviewed_at", "created_at",
    "updated_at", "note",
]  # fmt: skip


@dataclass
class ExportFilters:
    """Which annotations to export; every filter is optional."""

    kind: str = "claims"
    status: list[str] = field(default_factory=list)
    outlet: str = ""
    since: datetime.date | None = None  # annotation created on or after
    until: datetime.date | None = None  # annotation created on or before
    annotator: str = ""
    label: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """Return the filters as a short slug for file names."""
        parts = [self.kind]
        parts += self.status
        if self.outlet:
            parts.append(self.outlet)
        if self.since:
            parts.append(f"since-{self.since}")
        if self.until:
            parts.append(f"until-{self.until}")
        if self.annotator:
            parts.append(self.annotator)
        parts += self.label
        slug = "_".join(parts)
        return "".join(c if c.isalnum() or c in "-_." else "-" for c in slug)[:120]


_JOINS = """
FROM annotations_annotation a
JOIN articles_article ar ON ar.id = a.article_id
JOIN annotations_label l ON l.id = a.label_id
JOIN auth_user u ON u.id = a.annotator_id
LEFT JOIN auth_user rv ON rv.id = a.reviewed_by_id
LEFT JOIN annotations_annotation sp ON sp.id = a.speaker_id
LEFT JOIN annotations_label sp_label ON sp_label.id = sp.label_id
LEFT JOIN articles_entity se ON se.id = COALESCE(a.speaker_entity_id, sp.entity_id)
LEFT JOIN articles_entity e ON e.id = a.entity_id
"""


SELECT = f"""
SELECT ar.title, ar.outlet, ar.published, ar.source_name, ar.content_hash,
       a.text, a.start, a."end", l.name, l.kind,
       sp.text, sp.start, sp."end", sp_label.name, sp_user.username, sp.deleted_at,
       a.speaker_entity_id IS NOT NULL, se.name, se.latin_name, se.kind,
       spe.name, spe.latin_name, spe.kind,
       a.speaker_anonymous, a.speaker_description,
       src.sources,
       u.username, a.status, rv.username, a.reviewed_at, a.created_at, a.updated_at,
       a.note, a.origin, a.review_comment,
       e.name, e.latin_name, e.kind
{_JOINS}
LEFT JOIN auth_user sp_user ON sp_user.id = sp.annotator_id
LEFT JOIN articles_entity spe ON spe.id = sp.entity_id
LEFT JOIN LATERAL (
    SELECT json_agg(json_build_object(
        'text', s2.text, 'start', s2.start, 'end', s2."end", 'label', s2_label.name,
        'annotator', s2_user.username, 'deleted_at', s2.deleted_at,
        'entity', ce.name, 'latin', ce.latin_name, 'kind', ce.kind,
        'span_entity', se2.name, 'span_latin', se2.latin_name, 'span_kind', se2.kind
    ) ORDER BY cs.id) AS sources
    FROM annotations_claimsource cs
    LEFT JOIN annotations_annotation s2 ON s2.id = cs.span_id
    LEFT JOIN annotations_label s2_label ON s2_label.id = s2.label_id
    LEFT JOIN auth_user s2_user ON s2_user.id = s2.annotator_id
    LEFT JOIN articles_entity ce ON ce.id = cs.entity_id
    LEFT JOIN articles_entity se2 ON se2.id = s2.entity_id
    WHERE cs.claim_id = a.id
) src ON true
"""  # noqa: S608 - built from constant SQL pieces only


# PostgreSQL writes the CSV exports itself (COPY … WITH (FORMAT csv)): every cell ready-made
# as text (times in UTC ISO 8601, several sources joined with "; ", formulas neutralised),
# so that Python only passes the bytes on. Building records for 1,000,000 rows in Python,
# then parsing COPY's rows and writing them with the csv module, is what made it slow.
_TIME = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
# Sources aggregated once for all claims (a hash join), not per row (a nested loop):
# for a full export that is about half of PostgreSQL's time. The rows come sorted by claim
# and link, so the aggregates need no ORDER BY of their own: before PostgreSQL 16 each
# ordered aggregate sorts every group apart (3 x 400,000 sorts, ~1 s of the export).
_SOURCES = """
LEFT JOIN (
    SELECT claim_id,
           string_agg(text, '; ') AS texts,
           string_agg(name, '; ') AS entities,
           string_agg(entity_id::text, '; ') AS entity_ids
    FROM (
        SELECT cs.claim_id, cs.id, s2.text, e2.name, e2.id AS entity_id
        FROM annotations_claimsource cs
        LEFT JOIN annotations_annotation s2 ON s2.id = cs.span_id
        LEFT JOIN articles_entity e2 ON e2.id = COALESCE(cs.entity_id, s2.entity_id)
        ORDER BY cs.claim_id, cs.id
    ) AS linked
    GROUP BY claim_id
) src ON src.claim_id = a.id
"""


def _safe(expression: str) -> str:
    """Return SQL that prefixes ' to a text cell a spreadsheet would run as a formula.

    An empty text is returned as NULL, which COPY writes as an empty cell (an empty string
    it would write as "").
    """
    starts = ", ".join(["'='", "'+'", "'-'", "'@'", "E'\\t'", "E'\\r'"])
    quote = "''''"  # SQL for a string holding one '
    return (
        f"CASE WHEN left({expression}, 1) IN ({starts}) "
        f"THEN {quote} || {expression} ELSE NULLIF({expression}, '') END"
    )


# NULL is an empty cell. Every free-text cell (typed or scraped) goes through _safe; ids,
# offsets, statuses, dates and times cannot start with a formula character.
CLAIM_CSV_SELECT = f"""
SELECT ar.id, {_safe("ar.title")}, {_safe("ar.outlet")}, to_char(ar.published, 'YYYY-MM-DD'),
       {_safe("ar.source_name")}, {_safe("a.text")}, a.start, a."end", {_safe("l.name")},
       {_safe("sp.text")}, {_safe("se.name")},
       {_safe("se.latin_name")}, se.id::text,
       CASE WHEN a.speaker_anonymous THEN 'yes' END, {_safe("a.speaker_description")},
       {_safe("src.texts")}, {_safe("src.entities")},
       src.entity_ids, {_safe("u.username")}, a.status,
       {_safe("rv.username")}, {_TIME.format("a.reviewed_at")},
       {_TIME.format("a.created_at")}, {_TIME.format("a.updated_at")}, {_safe("a.note")}
{_JOINS} {_SOURCES}
"""
SPAN_CSV_SELECT = f"""
SELECT a.id, ar.id, {_safe("ar.title")}, {_safe("ar.outlet")},
       to_char(ar.published, 'YYYY-MM-DD'), {_safe("ar.source_name")}, {_safe("l.name")}, l.kind,
       {_safe("a.text")}, a.start, a."end", e.id::text,
       {_safe("e.name")}, {_safe("e.latin_name")},
       e.kind, {_safe("u.username")}, a.status,
       {_safe("rv.username")}, {_TIME.format("a.reviewed_at")},
       {_TIME.format("a.created_at")}, {_TIME.format("a.updated_at")}, {_safe("a.note")}
{_JOINS}
"""


def _query(filters: ExportFilters, select: str = SELECT) -> tuple[str, list[Any]]:
    """Return the export SQL (select + the filters) and its parameters."""
    where = ["a.deleted_at IS NULL"]
    params: list[Any] = []
    if filters.kind == "claims":
        # the claim labels' ids as a value: the planner then drops other annotations as it
        # reads them, rather than joining all of them to their speakers first
        from annotations.models import Label

        where.append("a.label_id = ANY(%s)")
        params.append(
            list(Label.objects.filter(kind=Label.Kind.CLAIM).values_list("pk", flat=True))
        )
    if filters.status:
        where.append("a.status = ANY(%s)")
        params.append(filters.status)
    if filters.outlet:
        where.append("ar.outlet = %s")
        params.append(filters.outlet)
    if filters.since:
        where.append("a.created_at >= %s")
        params.append(datetime.datetime.combine(filters.since, datetime.time.min, datetime.UTC))
    if filters.until and filters.until < datetime.date.max:  # the last day bounds nothing
        where.append("a.created_at < %s")
        params.append(
            datetime.datetime.combine(filters.until, datetime.time.min, datetime.UTC)
            + datetime.timedelta(days=1)
        )
    if filters.annotator:
        where.append("u.username = %s")
        params.append(filters.annotator)
    if filters.label:
        where.append("l.name = ANY(%s)")
        params.append(filters.label)
    return f"{select} WHERE {' AND '.join(where)} ORDER BY a.id", params


def _rows(sql: str, params: list[Any]) -> Iterator[tuple]:
    """Yield the raw rows from a server-side cursor, BATCH at a time."""
    # chunked_cursor() is a named (server-side) cursor on PostgreSQL; it must run in a
    # transaction, so the export reads one consistent snapshot too.
    from django.db import transaction

    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.itersize = BATCH
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(BATCH):
            yield from batch


def _copied_csv(sql: str, params: list[Any]) -> Iterator[bytes]:
    """Yield the rows as CSV with CRLF line ends, written by PostgreSQL, in ~64 KB chunks.

    COPY's CSV quotes as Python's csv module does by default (cells holding a
    comma, a quote or a line break), keeps line breaks inside quoted cells, and writes NULL
    as an empty cell. It sends one message per row, each ending in "\n", so turning the
    row ends into CRLF needs no parsing; Python does nothing else per row.
    """
    buffer = bytearray()
    # the psycopg cursor behind Django's; COPY streams, so memory stays flat
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy,
    ):
        for row in copy:
            buffer += row[:-1]
            buffer += b"\r\n"
            if len(buffer) >= CHUNK:
                yield bytes(buffer)
                buffer.clear()
    if buffer:
        yield bytes(buffer)


def _iso(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def record(row: tuple) -> dict[str, Any]:
    """Return one annotation as a nested JSON record (the JSON Lines format).

    Nothing in it is a database id: ids differ between instances, and import_annotations
    matches articles by content hash, users and labels by name, entities by name and kind.
    """
    (
        title, outlet, published, source_name, content_hash,
        text, start, end, label, label_kind,
        speaker_text, speaker_start, speaker_end, speaker_label, speaker_annotator,
        speaker_deleted_at,
        has_speaker_entity, speaker_entity, speaker_latin, speaker_kind,
        span_entity, span_latin, span_kind,
        anonymous, description, sources,
        annotator, status, reviewer, reviewed_at, created_at, updated_at,
        note, origin, review_comment,
        entity, entity_latin, entity_kind,
    ) = row  # fmt: skip
    result: dict[str, Any] = {
        "article": {
            "content_hash": content_hash,
            "title": title,
            "outlet": outlet,
            "published": _iso(published) or None,
            "source_file": source_name,
        },
        "label": label,
        "kind": label_kind,
        "text": text,
        "start": start,
        "end": end,
        "entity": _entity(entity, entity_latin, entity_kind),
        "annotator": annotator,
        "status": status,
        "origin": origin,
        "reviewer": reviewer,
        "reviewed_at": _iso(reviewed_at) or None,
        "review_comment": review_comment,
        "created_at": _iso(created_at),
        "updated_at": _iso(updated_at),
        "note": note,
    }
    if label_kind == "claim":
        # "entity" is the link's own (the claim's speaker entity, the source's outlet),
        # "span_entity" the linked span's: both, so that a round trip keeps which is which
        # (the CSV shows the link's, or else the span's).
        speaker = None
        if speaker_text is not None or has_speaker_entity or anonymous or description:
            speaker = {
                **_span(
                    speaker_text,
                    speaker_start,
                    speaker_end,
                    speaker_label,
                    speaker_annotator,
                    speaker_deleted_at,
                ),
                "entity": _entity(speaker_entity, speaker_latin, speaker_kind)
                if has_speaker_entity
                else None,
                "span_entity": _entity(span_entity, span_latin, span_kind),
                "anonymous": anonymous,
                "description": description,
            }
        result["speaker"] = speaker
        result["sources"] = [
            {
                **_span(
                    s["text"],
                    s["start"],
                    s["end"],
                    s["label"],
                    s["annotator"],
                    # json_build_object writes times in the session's zone: parse them
                    _parse_time(s["deleted_at"]),
                ),
                "entity": _entity(s["entity"], s["latin"], s["kind"]),
                "span_entity": _entity(s["span_entity"], s["span_latin"], s["span_kind"]),
            }
            for s in (sources or [])
        ]
    return result


def _span(
    text: str | None,
    start: int | None,
    end: int | None,
    label: str | None,
    annotator: str | None,
    deleted_at: datetime.datetime | None,
) -> dict[str, Any]:
    """Return the fields of a claim's speaker or source span (all None without a span)."""
    return {
        "text": text,
        "start": start,
        "end": end,
        "label": label,
        "annotator": annotator,
        "deleted_at": _iso(deleted_at) or None,
    }


def _entity(name: str | None, latin: str | None, kind: str | None) -> dict | None:
    if name is None:
        return None
    return {"name": name, "latin": latin or "", "kind": kind}


def _parse_time(value: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(value) if value else None


def stream(filters: ExportFilters, fmt: str, *, bom: bool = True) -> Iterator[bytes]:
    """Return the export as encoded chunks (UTF-8; CSV with CRLF and, by default, a BOM).

    The query is made here, before the first chunk: filters it cannot take fail the
    request, where inside the stream they would cut the download short after its 200.
    """
    if fmt == "jsonl":
        return _jsonl(*_query(filters))
    claims = filters.kind == "claims"
    sql, params = _query(filters, CLAIM_CSV_SELECT if claims else SPAN_CSV_SELECT)
    return _csv(sql, params, CLAIM_COLUMNS if claims else SPAN_COLUMNS, bom=bom)


def _jsonl(sql: str, params: list[Any]) -> Iterator[bytes]:
    buffer: list[str] = []
    for row in _rows(sql, params):
        buffer.append(json.dumps(record(row), ensure_ascii=False, sort_keys=True))
        if len(buffer) >= BATCH:
            yield ("\n".join(buffer) + "\n").encode()
            buffer = []
    if buffer:
        yield ("\n".join(buffer) + "\n").encode()


def _csv(sql: str, params: list[Any], columns: list[str], *, bom: bool) -> Iterator[bytes]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(columns)
    yield (("\ufeff" if bom else "") + out.getvalue()).encode()
    yield from _copied_csv(sql, params)


def filename(filters: ExportFilters, fmt: str, today: datetime.date | None = None) -> str:
    """Return a download name with the date and the filters."""
    today = today or datetime.date.today()
    return f"tanpan_{today.isoformat()}_{filters.describe()}.{fmt}"
