from django.contrib import admin

from articles.forms import AliasForm
from articles.models import Alias, Article, Entity, EntityMerge, ImportBatch, Mention


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "started_at",
        "run_by",
        "status",
        "added",
        "duplicates",
        "near_duplicates",
        "failed",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # batches are made by import_articles


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "outlet", "published", "script", "title_source", "created_at"]
    list_filter = ["script", "title_source", "outlet"]
    search_fields = ["title", "source_name"]
    raw_id_fields = ["batch", "near_duplicate_of"]
    # The body is what annotations point into: it is never edited here.
    readonly_fields = [
        "body",
        "raw_text",
        "removals",
        "content_hash",
        "encoding",
        "batch",
        "minhash",
        "minhash_bands",
        "near_duplicate_of",
        "near_duplicate_similarity",
        "source_name",
    ]
    exclude = ["search_vector"]
    show_full_result_count = False

    def save_model(self, request, obj: Article, form, change: bool) -> None:
        if not change or {"title", "body"} & set(form.changed_data):
            # Imported lazily: the pipeline loads the segmenter (a second, ~50 MB).
            from articles.pipeline.process import search_vector

            obj.search_vector = search_vector(obj.title, obj.body)
        super().save_model(request, obj, form, change)


class AliasInline(admin.TabularInline):
    model = Alias
    form = AliasForm
    fields = ["name", "origin"]
    readonly_fields = ["origin"]
    extra = 1


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "latin_name",
        "kind",
        "origin",
        "mention_count",
        "article_count",
        "merged_into",
    ]
    list_filter = ["kind", "origin"]
    search_fields = ["name", "latin_name", "aliases__name"]
    readonly_fields = ["mention_count", "article_count", "merged_into"]
    inlines = [AliasInline]


@admin.register(EntityMerge)
class EntityMergeAdmin(admin.ModelAdmin):
    list_display = [
        "merged_at",
        "merged",
        "survivor",
        "merged_by",
        "aliases_moved",
        "mentions_moved",
    ]
    readonly_fields = [f.name for f in EntityMerge._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False  # a record of a merge done on the entity page, not something to type in


admin.site.register(Mention)
