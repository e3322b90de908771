import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.management.terminal import (
    closing_on_interrupt,
    printable,
    progress_bar,
    summary,
)
from articles.models import Article, Entity, ImportBatch
from articles.services import articles_containing, default_workers, mentions_rescan

USAGE_ERROR = 2


class Command(BaseCommand):
    help = (
        "Find the entities of stored articles again with the aliases the database has now "
        "(after aliases were added, removed or merged), and store the mentions that changed. "
        "All articles unless narrowed; several narrowing options combine. "
        "Exit status: 0 done, 1 some articles failed, 2 usage error."
    )
    # As in import_articles: the system checks would load every view, which this never uses.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--article",
            type=int,
            action="append",
            metavar="ID",
            help="only this article (repeat for several)",
        )
        parser.add_argument(
            "--batch", type=int, metavar="ID", help="only the articles of this import"
        )
        parser.add_argument(
            "--entity", type=int, metavar="ID", help="only the articles that mention this entity"
        )
        parser.add_argument(
            "--containing",
            metavar="TEXT",
            help="only the articles whose text contains TEXT (simplified or traditional), "
            "e.g. an alias just added",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help=f"worker processes (default: one per core, here {default_workers()})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change, store nothing"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar, summary only")

    def handle(self, *args, article, batch, entity, containing, workers, dry_run, quiet, **options):
        workers = default_workers() if workers is None else workers
        if workers < 1:
            raise CommandError("--workers must be 1 or more", returncode=USAGE_ERROR)
        articles = Article.objects.all()
        if article:
            known = Article.objects.filter(pk__in=article).values_list("pk", flat=True)
            missing = sorted(set(article) - set(known))
            if missing:
                raise CommandError(f"--article: no article {missing[0]}", returncode=USAGE_ERROR)
            articles = articles.filter(pk__in=article)
        if batch is not None:
            if not ImportBatch.objects.filter(pk=batch).exists():
                raise CommandError(f"--batch: no import #{batch}", returncode=USAGE_ERROR)
            articles = articles.filter(batch_id=batch)
        if entity is not None:
            found = Entity.objects.filter(pk=entity).first()
            if found is None:
                raise CommandError(f"--entity: no entity {entity}", returncode=USAGE_ERROR)
            while found.merged_into_id:  # its mentions moved to the survivor
                found = found.merged_into
            articles = articles.filter(pk__in=found.mentions.values("article_id"))
        if containing is not None:
            if not containing.strip():
                raise CommandError(
                    "--containing: give the text to look for", returncode=USAGE_ERROR
                )
            articles = articles.filter(pk__in=articles_containing(containing.strip()).values("pk"))

        progress = progress_bar(
            quiet=quiet, desc="rescanning", unit=" articles", total=articles.count
        )
        started = time.monotonic()
        interrupted = (
            "Interrupted. Each article has either its old mentions or its new ones; run the "
            "same command again to finish."
        )
        with closing_on_interrupt(progress, self.stderr, interrupted):
            result = mentions_rescan(
                articles=articles, workers=workers, dry_run=dry_run, on_progress=progress.update
            )
        rows = [
            ("articles", result.articles),
            ("changed", result.changed),
            ("mentions added", result.added),
            ("mentions removed", result.removed),
            ("failed", len(result.failed)),
        ]
        title = "Dry run (nothing stored)" if dry_run else "Rescan"
        for line in summary(title, time.monotonic() - started, rows, width=18):
            self.stdout.write(line)
        if result.failed:
            self.stderr.write("Failed articles (their mentions are unchanged):")
            for article_id, reason in result.failed:
                self.stderr.write(f"  article {article_id}: {printable(reason)}")
            raise CommandError(f"{len(result.failed)} article(s) failed; the rest were rescanned")
