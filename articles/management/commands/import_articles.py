import datetime
import sys
import time
from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.management.terminal import (
    closing_on_interrupt,
    printable,
    progress_bar,
    summary,
    system_user,
)
from articles.pipeline.sources import storable_name
from articles.services import articles_import, default_workers

MAX_WORKERS = 32  # each holds the segmenter and the lexicon (~130 MB)

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Import articles from .txt files, folders (recursive), .zip / .tar.gz archives and "
        ".jsonl files. Decodes, cleans, removes duplicates, segments and extracts entities. "
        "Exit status: 0 all imported, 1 some files failed, 2 usage error."
    )
    # The system checks load the URL configuration, and with it every view, which an
    # import never uses: ~0.4 s before the first article. They run in `manage.py check`,
    # in `runserver` and in the tests.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", type=Path)
        parser.add_argument("--outlet", default="", help="outlet of articles that name none")
        parser.add_argument(
            "--published",
            default=None,
            metavar="YYYY-MM-DD",
            help="publication date of articles that carry none",
        )
        parser.add_argument("--dry-run", action="store_true", help="process but store nothing")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help=f"worker processes for segmentation (default: one per core, here "
            f"{default_workers()})",
        )
        parser.add_argument("--user", default=None, help="Tanpan user to record as importer")
        parser.add_argument("--quiet", action="store_true", help="no progress bar, summary only")

    def handle(self, *args, paths, outlet, published, dry_run, workers, user, quiet, **options):
        workers = default_workers() if workers is None else workers
        if not 1 <= workers <= MAX_WORKERS:
            raise CommandError(f"--workers must be 1 to {MAX_WORKERS}", returncode=USAGE_ERROR)
        for option, value in (("--outlet", outlet), ("--user", user or "")):
            if storable_name(value) != value:
                raise CommandError(
                    f"{option}: not valid text (bytes that are not UTF-8)", returncode=USAGE_ERROR
                )
        published_date = None
        if published:
            try:
                published_date = datetime.date.fromisoformat(published)
            except ValueError:
                raise CommandError(
                    f"--published: {published!r} is not a date (YYYY-MM-DD)", returncode=USAGE_ERROR
                ) from None
        importer = None
        if user:
            importer = User.objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"--user: no user named {user!r}", returncode=USAGE_ERROR)
        if len(outlet) > 200:
            raise CommandError("--outlet: at most 200 characters", returncode=USAGE_ERROR)

        progress = progress_bar(quiet=quiet, desc="importing", unit=" files")
        started = time.monotonic()
        interrupted = (
            "Interrupted. Articles stored so far are complete; run the same command again "
            "to import the rest (already stored articles are skipped)."
        )
        with closing_on_interrupt(progress, self.stderr, interrupted):
            result = articles_import(
                paths=paths,
                outlet=outlet.strip(),
                published=published_date,
                dry_run=dry_run,
                workers=workers,
                user=importer,
                run_by=system_user(),
                arguments=[storable_name(a) for a in sys.argv[2:]]
                if sys.argv[1:2] == ["import_articles"]
                else [],
                on_progress=lambda item, outcome: progress.update(),
            )
        rows = [
            ("added" if not dry_run else "would add", result.added),
            ("duplicates", result.duplicates),
            ("near-duplicates", result.near_duplicates),
            ("failed", result.failed),
        ]
        title = "Dry run (nothing stored)" if dry_run else f"Import #{result.batch.pk}"
        for line in summary(title, time.monotonic() - started, rows, width=16):
            self.stdout.write(line)
        if result.errors:
            self.stderr.write("Failed files:")
            for error in result.errors:
                self.stderr.write(f"  {printable(error['file'])}: {printable(error['reason'])}")
            if result.failed > len(result.errors):
                self.stderr.write(f"  … and {result.failed - len(result.errors)} more")
        if result.failed:
            raise CommandError(f"{result.failed} file(s) failed; the rest were imported")
