import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from articles.models import Article

SAMPLES = settings.BASE_DIR / "data" / "samples"


def import_paths(*paths: Path | str, **options: str) -> None:
    """Run import_articles in-process with one worker (fast for a handful of files)."""
    args = [str(p) for p in paths]
    for name, value in options.items():
        args += [f"--{name}", value]
    call_command(
        "import_articles",
        *args,
        "--quiet",
        "--workers",
        "1",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


@pytest.fixture
def samples(db) -> dict[str, Article]:
    """The four sample articles, imported; keyed by their number: '000' … '003'."""
    import_paths(SAMPLES, outlet="样本报")
    return {Path(a.source_name).name[:3]: a for a in Article.objects.all()}


@pytest.fixture
def write_article(db, tmp_path):
    """Import one article from text; return it."""

    def write(text: str, name: str = "article.txt", **options: str) -> Article:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        import_paths(path, **options)
        return Article.objects.get(source_name=str(path))

    return write
