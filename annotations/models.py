from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from articles.models import Article, Entity


class Label(models.Model):
    """A kind of span analysts tag: Claim, Speaker, Source, or one an admin adds."""

    class Kind(models.TextChoices):
        CLAIM = "claim", "claim"
        SPEAKER = "speaker", "speaker"
        SOURCE = "source", "source"
        OTHER = "other", "other"

    name = models.CharField(max_length=50, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    colour = models.CharField(
        max_length=7,
        default="#1f5f99",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "a colour like #1f5f99")],
    )
    shortcut = models.CharField(
        max_length=1,
        blank=True,
        validators=[RegexValidator(r"^[1-9]$", "a digit from 1 to 9")],
        help_text="key 1-9 that applies the label in the workspace",
    )
    position = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["shortcut"], condition=~Q(shortcut=""), name="label_unique_shortcut"
            )
        ]

    def __str__(self) -> str:
        return self.name


class AnnotationQuerySet(models.QuerySet):
    def live(self) -> "AnnotationQuerySet":
        """Annotations not deleted (deleted ones stay for undo and history)."""
        return self.filter(deleted_at__isnull=True)

    def visible_to(self, user) -> "AnnotationQuerySet":
        """Annotations a user may see: reviewers see all, analysts their own."""
        if user.has_perm("accounts.review"):
            return self
        return self.filter(annotator=user)


class Annotation(models.Model):
    """A labelled span of an article's cleaned body, in Unicode code points."""

    class Origin(models.TextChoices):
        MANUAL = "manual", "manual"
        SUGGESTION = "suggestion", "accepted suggestion"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        SUBMITTED = "submitted", "submitted"
        ACCEPTED = "accepted", "accepted"
        REJECTED = "rejected", "rejected"

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="annotations")
    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="annotations")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField(help_text="copy of body[start:end]")
    annotator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="annotations"
    )
    note = models.TextField(blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # A claim's speaker: a speaker span and/or an entity, or an anonymous source.
    speaker = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="claims_spoken"
    )
    speaker_entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="claims_spoken"
    )
    speaker_anonymous = models.BooleanField(default=False)
    speaker_description = models.CharField(max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_annotations",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    suggestion = models.ForeignKey(
        "Suggestion", null=True, blank=True, on_delete=models.SET_NULL, related_name="accepted"
    )
    client_key = models.UUIDField(
        null=True, blank=True, help_text="idempotency key sent by the page"
    )
    version = models.PositiveIntegerField(default=1)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AnnotationQuerySet.as_manager()

    class Meta:
        ordering = ["article", "start", "end", "id"]
        indexes = [
            models.Index(fields=["article", "annotator"], name="annotation_article_annotator"),
            models.Index(fields=["status", "article"], name="annotation_status_article"),
            models.Index(fields=["label", "article"], name="annotation_label_article"),
            models.Index(fields=["annotator", "updated_at"], name="annotation_annotator_updated"),
            # An entity's page lists its latest claims: newest first from here, instead of
            # sorting all of them (400,000 for the top person in the benchmark: 180 ms).
            models.Index(
                fields=["speaker_entity", "-created_at"],
                condition=Q(deleted_at__isnull=True),
                name="annotation_speaker_recent",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")), name="annotation_offsets_valid"
            ),
            models.UniqueConstraint(
                fields=["annotator", "client_key"], name="annotation_unique_client_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label_id}:{self.text[:30]}"


class ClaimSource(models.Model):
    """A source a claim was reported by: an outlet span and/or an outlet entity."""

    claim = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="sources")
    span = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.CASCADE, related_name="sourced_claims"
    )
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.PROTECT, related_name="sourced_claims"
    )

    class Meta:
        ordering = ["id"]  # sources are listed in the order they were linked
        constraints = [
            models.CheckConstraint(
                condition=Q(span__isnull=False) | Q(entity__isnull=False),
                name="claim_source_has_span_or_entity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id} <- {self.span_id or self.entity_id}"


class AnnotationEvent(models.Model):
    """History: who did what to an annotation, with its state before and after."""

    class Action(models.TextChoices):
        CREATE = "create", "create"
        UPDATE = "update", "update"
        DELETE = "delete", "delete"
        RESTORE = "restore", "restore"
        ACCEPT = "accept", "accept"
        REJECT = "reject", "reject"

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="events")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    undone = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "article", "-at"], name="event_actor_article")]

    def __str__(self) -> str:
        return f"{self.action} {self.annotation_id}"


class Suggestion(models.Model):
    """An attribution the import's rules propose: a claim, speaker or source span."""

    class Kind(models.TextChoices):
        CLAIM = "claim", "claim"
        SPEAKER = "speaker", "speaker"
        SOURCE = "source", "source"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="suggestions")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    text = models.TextField()
    entity = models.ForeignKey(
        Entity, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    rule = models.CharField(max_length=40)
    # A claim suggestion points at its speaker and source suggestions.
    speaker = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    source = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    anonymous = models.BooleanField(default=False)

    class Meta:
        ordering = ["article", "start"]
        # The nullable references are indexed where set only: most suggestions have no
        # entity or speaker and nearly all no source, and an import writes ~34 an article.
        # A lookup by value (deleting an entity or a suggestion) implies NOT NULL, so the
        # partial indexes serve it.
        indexes = [
            models.Index(
                fields=[field],
                condition=Q(**{f"{field}__isnull": False}),
                name=f"suggestion_{field}",
            )
            for field in ("entity", "speaker", "source")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")), name="suggestion_offsets_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.text[:30]}"


class SuggestionDismissal(models.Model):
    """An analyst dismissed a suggestion; others still see it."""

    suggestion = models.ForeignKey(Suggestion, on_delete=models.CASCADE, related_name="dismissals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "user"], name="dismissal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} dismissed {self.suggestion_id}"


class Assignment(models.Model):
    """An article given to an analyst; done_at is set when the analyst marks it done."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="assignments")
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "analyst"], name="assignment_unique")
        ]
        indexes = [models.Index(fields=["analyst", "done_at"], name="assignment_analyst_done")]

    def __str__(self) -> str:
        return f"{self.article_id} -> {self.analyst_id}"
