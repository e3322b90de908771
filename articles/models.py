from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q


class ImportBatch(models.Model):
    """One run of import_articles: who, when, with what, and what came of it."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        FINISHED = "finished", "finished"
        INTERRUPTED = "interrupted", "interrupted"

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    run_by = models.CharField(max_length=150, blank=True, help_text="system user who ran it")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    arguments = models.JSONField(default=list, help_text="command-line arguments as given")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    added = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    near_duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{file, reason}] for each failed file")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"import #{self.pk} ({self.started_at:%Y-%m-%d %H:%M})"


class AnnotationStatus(models.TextChoices):
    """Where an article stands in annotation; kept by the annotation services."""

    NOT_STARTED = "not_started", "not started"
    IN_PROGRESS = "in_progress", "in progress"
    DONE = "done", "done"
    REVIEWED = "reviewed", "reviewed"


class Article(models.Model):
    """A cleaned news article; body offsets are Unicode code points."""

    class Script(models.TextChoices):
        SIMPLIFIED = "simplified", "simplified"
        TRADITIONAL = "traditional", "traditional"

    class TitleSource(models.TextChoices):
        FIRST_LINE = "first_line", "first line"
        GIVEN = "given", "given in the dump"
        FALLBACK = "fallback", "fallback (check it)"

    title = models.TextField()
    title_source = models.CharField(max_length=12, choices=TitleSource.choices)
    body = models.TextField(help_text="cleaned text: what analysts read and annotate")
    raw_text = models.TextField(help_text="the decoded file, verbatim")
    removals = models.JSONField(
        default=list, help_text="[[start, end, reason, text]] into the normalised raw text"
    )
    content_hash = models.CharField(max_length=64)  # unique: see Meta.constraints
    source_name = models.TextField(help_text="file name, or path inside the dump")
    source_url = models.TextField(blank=True)
    encoding = models.CharField(max_length=16)
    outlet = models.CharField(max_length=200, blank=True)  # indexed: see Meta.indexes
    # Filtered by range and sorted on through article_published_order (Meta.indexes).
    published = models.DateField(null=True, blank=True)
    script = models.CharField(max_length=12, choices=Script.choices)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="articles")
    # jieba's words of the title (weight A) and body (B), simplified and lowercase, each
    # word one lexeme: built by articles.pipeline.process.search_vector, queried with the
    # same terms by articles.search.
    search_vector = SearchVectorField(default="")
    minhash = ArrayField(models.BigIntegerField(), default=list)
    minhash_bands = ArrayField(models.BigIntegerField(), default=list)
    near_duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="near_duplicates"
    )
    near_duplicate_similarity = models.FloatField(null=True, blank=True)
    annotation_status = models.CharField(
        max_length=12, choices=AnnotationStatus.choices, default=AnnotationStatus.NOT_STARTED
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Declared here rather than with unique=True / db_index=True on the fields: on
        # PostgreSQL those add a second, varchar_pattern_ops index to every CharField for
        # LIKE queries, which nothing runs on a hash or an outlet; each cost every
        # imported article one more index insert. A lone index on published did the
        # same for nothing: article_published_order starts with it.
        constraints = [
            models.UniqueConstraint(fields=["content_hash"], name="article_content_hash_unique"),
        ]
        indexes = [
            models.Index(fields=["outlet"], name="article_outlet"),
            models.Index(
                fields=["annotation_status", "-created_at"], name="article_status_created"
            ),
            GinIndex(fields=["search_vector"], name="article_search_gin"),
            GinIndex(fields=["minhash_bands"], name="article_bands_gin"),
            # The list folds near-duplicates away; filtering by outlet then counts one
            # outlet's originals from this index alone (before: every one read from the
            # table, ~10,000 wide rows for a big outlet at 100,000 articles).
            # An entity's page lists the articles that mention it in this order: walking
            # it, a frequent entity's first page is found at once (sorting all 100,000
            # articles took 100 ms); a rare entity's mentions are read instead.
            models.Index(
                F("published").desc(nulls_last=True),
                F("created_at").desc(),
                F("id").desc(),
                name="article_published_order",
            ),
            models.Index(
                fields=["outlet", "id"],
                condition=Q(near_duplicate_of__isnull=True),
                name="article_outlet_original",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title_flagged(self) -> bool:
        """Return whether the title was guessed and needs a look."""
        return self.title_source == self.TitleSource.FALLBACK

    @property
    def source_link(self) -> str:
        """Return the source URL if it may be a link (http or https), else ""."""
        # The URL comes from the dump as given: a javascript: or data: URL would run on click.
        return self.source_url if urlsplit(self.source_url).scheme in ("http", "https") else ""


class EntityQuerySet(models.QuerySet):
    def live(self) -> "EntityQuerySet":
        """Entities not merged away."""
        return self.filter(merged_into__isnull=True)

    def search(self, query: str) -> "EntityQuerySet":
        """Entities one of whose aliases, or whose Latin name, contains query."""
        if not query:
            return self
        named = models.Exists(
            Alias.objects.filter(entity=models.OuterRef("pk"), name__icontains=query)
        )
        return self.filter(named | Q(latin_name__icontains=query))


class Entity(models.Model):
    """A person, organisation, place or outlet, under one canonical Chinese name."""

    class Kind(models.TextChoices):
        PERSON = "person", "person"
        ORGANISATION = "organisation", "organisation"
        PLACE = "place", "place"
        OUTLET = "outlet", "outlet"

    class Origin(models.TextChoices):
        LEXICON = "lexicon", "domain lexicon"
        EXTRACTED = "extracted", "found by the import"
        MANUAL = "manual", "added by hand"

    name = models.CharField(max_length=100, help_text="canonical Chinese name")
    latin_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, db_index=True)
    description = models.TextField(blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    # Kept up to date by the import and by merges, so lists can sort by them without
    # counting millions of mentions on every page view.
    mention_count = models.PositiveIntegerField(default=0)
    article_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EntityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "entities"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["kind", "-mention_count"], name="entity_kind_mentions"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "kind"],
                condition=Q(merged_into__isnull=True),
                name="entity_unique_live_name_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.latin_name})" if self.latin_name else self.name


class Alias(models.Model):
    """A surface form that names an entity; unique per normalised form."""

    class Origin(models.TextChoices):
        LEXICON = "lexicon", "domain lexicon"
        LATIN = "latin", "Latin name in the text"
        EXTRACTED = "extracted", "found by the import"
        MANUAL = "manual", "added by hand"
        MERGE = "merge", "moved by a merge"

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200, unique=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "aliases"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Mention(models.Model):
    """Where an article names an entity, in code points of the cleaned body."""

    class Method(models.TextChoices):
        LEXICON = "lexicon", "lexicon alias"
        LATIN = "latin", "Latin name in parentheses"
        TITLE_RULE = "title_rule", "title before a name"
        MIDDLE_DOT = "middle_dot", "middle-dot full name"
        POS = "pos", "part of speech"
        COREFERENCE = "coreference", "later mention in the article"

    # No single-column indexes: mention_unique leads with the article and
    # mention_entity_article with the entity, so each answers what its own index would.
    # An import writes ~90 mentions an article, and every index is written for each.
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="mentions", db_index=False
    )
    entity = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="mentions", db_index=False
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    method = models.CharField(max_length=12, choices=Method.choices)

    class Meta:
        ordering = ["article", "start"]
        indexes = [models.Index(fields=["entity", "article"], name="mention_entity_article")]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")), name="mention_offsets_valid"
            ),
            models.UniqueConstraint(
                fields=["article", "start", "end", "entity"], name="mention_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id}@{self.article_id}[{self.start}:{self.end}]"


class EntityMerge(models.Model):
    """A record that one entity was merged into another, and what moved."""

    survivor = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="merges_in")
    merged = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="merges_out")
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    aliases_moved = models.PositiveIntegerField()
    mentions_moved = models.PositiveIntegerField()
    snapshot = models.JSONField(help_text="the merged entity's fields and aliases before")

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} -> {self.survivor_id}"
