from django.contrib import admin

from annotations.models import (
    Annotation,
    AnnotationEvent,
    Assignment,
    ClaimSource,
    Label,
    Suggestion,
)


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "colour", "shortcut", "position"]
    list_editable = ["colour", "shortcut", "position"]


class ClaimSourceInline(admin.TabularInline):
    model = ClaimSource
    fk_name = "claim"
    raw_id_fields = ["span", "entity"]
    extra = 0


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    """Read-mostly: annotations change through the workspace, which keeps the history."""

    list_display = ["id", "article", "label", "text", "annotator", "status", "updated_at"]
    list_filter = ["status", "label", "origin"]
    search_fields = ["text", "annotator__username"]
    raw_id_fields = ["article", "entity", "speaker", "speaker_entity", "suggestion", "reviewed_by"]
    readonly_fields = [
        "article",
        "start",
        "end",
        "text",
        "annotator",
        "version",
        "deleted_at",
        "client_key",
    ]
    inlines = [ClaimSourceInline]
    show_full_result_count = False


@admin.register(AnnotationEvent)
class AnnotationEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "annotation", "article"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in AnnotationEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["article", "analyst", "assigned_by", "assigned_at", "done_at"]
    raw_id_fields = ["article"]


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["article", "kind", "text", "rule", "anonymous"]
    list_filter = ["kind", "rule"]
    raw_id_fields = ["article", "entity", "speaker", "source"]
    show_full_result_count = False
