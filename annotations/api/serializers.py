"""Input and output shapes of the annotation API (input validated here, rules in services)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotations.models import Annotation, Label, Suggestion
from articles.models import Article, Entity
from articles.pipeline.offsets import Utf16Index


def utf16_index(context: dict, article_id: int) -> Utf16Index | None:
    """Return the (cached) UTF-16 index of an article body given in context["bodies"]."""
    indexes = context.setdefault("utf16", {})
    if article_id not in indexes:
        body = (context.get("bodies") or {}).get(article_id)
        indexes[article_id] = Utf16Index(body) if body is not None else None
    return indexes[article_id]


@extend_schema_field(OpenApiTypes.INT)
class VisibleSpan(serializers.PrimaryKeyRelatedField):
    """A live span the requesting user may see: an analyst links only their own spans.

    Another's span answers as one that does not exist, so that no one learns from the
    errors what the ids of others' drafts hold.
    """

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Annotation.objects.none()
        return Annotation.objects.live().visible_to(request.user).select_related("label")


class SourceInput(serializers.Serializer):
    span = VisibleSpan(required=False, allow_null=True)
    entity = serializers.PrimaryKeyRelatedField(
        queryset=Entity.objects.filter(merged_into__isnull=True), required=False, allow_null=True
    )


class AnnotationInput(serializers.Serializer):
    """Fields a client sends; every one optional on update."""

    article = serializers.PrimaryKeyRelatedField(queryset=Article.objects.only("id", "body"))
    label = serializers.PrimaryKeyRelatedField(queryset=Label.objects.all())
    start = serializers.IntegerField(min_value=0)
    end = serializers.IntegerField(min_value=1)
    text = serializers.CharField(trim_whitespace=False, allow_blank=False)
    unit = serializers.ChoiceField(
        choices=["codepoint", "utf16"],
        default="codepoint",
        help_text="how start and end count: Unicode code points (stored) or UTF-16 units "
        "(what browsers count); utf16 offsets are converted",
    )
    entity = serializers.PrimaryKeyRelatedField(
        queryset=Entity.objects.all(), required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    speaker = VisibleSpan(required=False, allow_null=True)
    speaker_entity = serializers.PrimaryKeyRelatedField(
        queryset=Entity.objects.all(), required=False, allow_null=True
    )
    speaker_anonymous = serializers.BooleanField(required=False)
    speaker_description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    sources = SourceInput(many=True, required=False)
    client_key = serializers.UUIDField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False, min_value=1)


class EntityRef(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = ["id", "name", "latin_name", "kind"]


class SourceOutput(serializers.Serializer):
    span = serializers.IntegerField(source="span_id", allow_null=True)
    span_text = serializers.SerializerMethodField()
    entity = EntityRef(allow_null=True)

    def get_span_text(self, source) -> str | None:
        return source.span.text if source.span_id else None


class AnnotationOutput(serializers.ModelSerializer):
    label_name = serializers.CharField(source="label.name")
    kind = serializers.CharField(source="label.kind")
    annotator_name = serializers.CharField(source="annotator.username")
    entity = EntityRef(allow_null=True)
    speaker_entity = EntityRef(allow_null=True)
    speaker_text = serializers.SerializerMethodField()
    sources = SourceOutput(many=True)
    start16 = serializers.SerializerMethodField()
    end16 = serializers.SerializerMethodField()
    deleted = serializers.SerializerMethodField()

    class Meta:
        model = Annotation
        fields = [
            "id", "article", "label", "label_name", "kind", "start", "end", "start16", "end16",
            "text", "annotator", "annotator_name", "entity", "note", "origin", "status",
            "speaker", "speaker_text", "speaker_entity", "speaker_anonymous",
            "speaker_description", "sources", "reviewed_by", "reviewed_at", "review_comment",
            "version", "deleted", "created_at", "updated_at",
        ]  # fmt: skip

    def get_start16(self, annotation) -> int | None:
        index = utf16_index(self.context, annotation.article_id)
        return index.utf16(annotation.start) if index else None

    def get_end16(self, annotation) -> int | None:
        index = utf16_index(self.context, annotation.article_id)
        return index.utf16(annotation.end) if index else None

    def get_speaker_text(self, annotation) -> str | None:
        return annotation.speaker.text if annotation.speaker_id else None

    def get_deleted(self, annotation) -> bool:
        return annotation.deleted_at is not None


class SuggestionOutput(serializers.ModelSerializer):
    entity = EntityRef(allow_null=True)
    start16 = serializers.SerializerMethodField()
    end16 = serializers.SerializerMethodField()
    speaker = serializers.IntegerField(source="speaker_id", allow_null=True)
    source = serializers.IntegerField(source="source_id", allow_null=True)

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "article",
            "kind",
            "start",
            "end",
            "start16",
            "end16",
            "text",
            "entity",
            "rule",
            "speaker",
            "source",
            "anonymous",
        ]

    def get_start16(self, suggestion) -> int:
        return utf16_index(self.context, suggestion.article_id).utf16(suggestion.start)

    def get_end16(self, suggestion) -> int:
        return utf16_index(self.context, suggestion.article_id).utf16(suggestion.end)
