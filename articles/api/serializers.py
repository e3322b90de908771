from rest_framework import serializers

from articles.models import Alias, Article, Entity, Mention


class ArticleListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "title_source",
            "outlet",
            "published",
            "source_name",
            "script",
            "annotation_status",
            "near_duplicate_of",
            "created_at",
        ]


class MentionSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(source="entity.kind")
    entity = serializers.IntegerField(source="entity_id")

    class Meta:
        model = Mention
        fields = ["entity", "kind", "start", "end", "method"]


class ArticleDetailSerializer(ArticleListSerializer):
    mentions = MentionSerializer(many=True, read_only=True)

    class Meta(ArticleListSerializer.Meta):
        fields = [
            *ArticleListSerializer.Meta.fields,
            "body",
            "source_url",
            "encoding",
            "removals",
            "mentions",
        ]


class AliasSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alias
        fields = ["id", "name", "origin"]


class EntityListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Entity
        fields = [
            "id",
            "name",
            "latin_name",
            "kind",
            "description",
            "mention_count",
            "article_count",
            "merged_into",
        ]


class EntityDetailSerializer(EntityListSerializer):
    aliases = AliasSerializer(many=True, read_only=True)

    class Meta(EntityListSerializer.Meta):
        fields = [*EntityListSerializer.Meta.fields, "aliases"]
