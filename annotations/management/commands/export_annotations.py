import datetime
import sys

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from annotations.export import FORMATS, KINDS, ExportFilters, stream
from annotations.models import Annotation, Label

USAGE_ERROR = 2


def _date(name: str, value: str | None) -> datetime.date | None:
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--{name}: {value!r} is not a date (YYYY-MM-DD)", returncode=2
        ) from None


class Command(BaseCommand):
    help = (
        "Export annotations as Excel-safe CSV (UTF-8 with BOM, CRLF, formulas neutralised) or "
        "JSON Lines, streamed. --kind claims: one row per claim with its speaker and sources; "
        "--kind spans: one row per annotation."
    )

    # The system checks import every URL's view (the API schema, the pipeline): about half
    # a second of start-up that an export, often scripted, does not need.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=KINDS, default="claims")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            choices=Annotation.Status.values,
            help="repeat for several (default: all)",
        )
        parser.add_argument("--outlet", default="")
        parser.add_argument("--since", help="annotations created on or after YYYY-MM-DD")
        parser.add_argument("--until", help="annotations created on or before YYYY-MM-DD")
        parser.add_argument("--annotator", default="", help="user name")
        parser.add_argument("--label", action="append", default=[], help="label name; repeat")
        parser.add_argument("--no-bom", action="store_true", help="omit the UTF-8 BOM (CSV)")

    def handle(self, *args, **options) -> None:
        since, until = _date("since", options["since"]), _date("until", options["until"])
        if since and until and since > until:
            raise CommandError("--since must not be after --until", returncode=USAGE_ERROR)
        if options["annotator"] and not User.objects.filter(username=options["annotator"]).exists():
            raise CommandError(
                f"--annotator: no user named {options['annotator']!r}", returncode=USAGE_ERROR
            )
        known = set(Label.objects.values_list("name", flat=True))
        unknown = [name for name in options["label"] if name not in known]
        if unknown:
            raise CommandError(
                f"--label: unknown label {', '.join(map(repr, unknown))}; known: "
                f"{', '.join(sorted(known))}",
                returncode=USAGE_ERROR,
            )
        filters = ExportFilters(
            kind=options["kind"],
            status=options["status"],
            outlet=options["outlet"],
            since=since,
            until=until,
            annotator=options["annotator"],
            label=options["label"],
        )
        chunks = stream(filters, options["format"], bom=not options["no_bom"])
        if options["output"]:
            try:
                with open(options["output"], "wb") as handle:
                    for chunk in chunks:
                        handle.write(chunk)
            except OSError as error:
                raise CommandError(f"-o {options['output']}: {error.strerror}") from None
        else:
            out = getattr(self.stdout, "_out", sys.stdout)
            binary = getattr(out, "buffer", None)
            for chunk in chunks:
                if binary is not None:
                    binary.write(chunk)
                else:
                    out.write(chunk.decode())
            out.flush()
