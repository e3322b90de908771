from django import forms
from django.contrib import admin
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet

from articles.forms import AliasForm, alias_owner
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


class AliasFormSet(BaseInlineFormSet):
    """An entity's aliases: each spelling once, and the canonical name's alias kept.

    After saving, it knows the spellings it added and removed (a changed spelling is
    both), for the rescan that brings the articles already imported up to date.
    """

    def clean(self) -> None:
        super().clean()
        canonical = _key(self.instance.name)
        given: set[str] = set()
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue  # an empty extra row
            stored = _key(form.initial.get("name", "")) if form.instance.pk else None
            if stored and stored == canonical and (_deleted(form) or "name" in form.changed_data):
                raise forms.ValidationError(
                    f"“{form.initial['name']}” is the entity's name: it stays an alias. "
                    "Rename the entity to change it."
                )
            key = form.instance.normalized
            if key and not _deleted(form) and form.is_valid():
                if key in given:
                    form.add_error("name", f"“{form.cleaned_data['name']}” is given twice.")
                given.add(key)

    def save(self, commit: bool = True) -> list[Alias]:
        saved = super().save(commit)
        self.added = [alias.name for alias in self.new_objects]
        self.removed = []
        for form in self.initial_forms:
            if form in self.deleted_forms:
                self.removed.append(form.initial["name"])  # as stored, whatever was typed
            elif "name" in form.changed_data:
                self.removed.append(form.initial["name"])
                self.added.append(form.cleaned_data["name"])
        return saved


class AliasInline(admin.TabularInline):
    model = Alias
    form = AliasForm
    formset = AliasFormSet
    fields = ["name", "origin"]
    readonly_fields = ["origin"]
    extra = 1

    # A merged entity's aliases moved to the survivor; it keeps none to edit.
    def has_add_permission(self, request, obj=None) -> bool:
        return not _merged(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return not _merged(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return not _merged(obj) and super().has_delete_permission(request, obj)


class EntityForm(forms.ModelForm):
    """An entity whose name is not already another entity's alias (it becomes its own)."""

    class Meta:
        model = Entity
        fields = ["name", "latin_name", "kind", "description", "origin"]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not _key(name):
            raise forms.ValidationError("A name needs at least one character.")
        if owner := alias_owner(name, exclude_entity=self.instance.pk):
            raise forms.ValidationError(f"“{name}” already names {owner.name} (#{owner.pk}).")
        return name


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
    form = EntityForm

    def has_change_permission(self, request, obj=None) -> bool:
        # A merged entity is the record of what was merged (its survivor is edited instead):
        # its name is now the survivor's alias, and aliases given to it would find nothing.
        return not _merged(obj) and super().has_change_permission(request, obj)

    def save_related(self, request, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        entity = form.instance
        added: list[str] = []
        removed: list[str] = []
        for formset in formsets:
            if isinstance(formset, AliasFormSet):
                added += formset.added
                removed += formset.removed
        # Imported here: the services bring in the whole import pipeline (see AliasForm).
        from articles.services import (
            EntityError,
            alias_add,
            alias_added_rescan,
            alias_removed_rescan,
        )

        # The entity's name is always one of its aliases: the import finds entities by
        # their aliases only, so a new or renamed entity would otherwise never be found.
        try:
            alias_add(entity=entity, name=entity.name)
            added.append(entity.name)
        except EntityError:
            pass  # the name is an alias already: this entity's (EntityForm refused another's)
        # As on the entity page, the articles already imported follow the edit, in the
        # admin's transaction: the edit and what it changed in them are stored together.
        for name in removed:
            self.message_user(request, f"“{name}” removed. " + alias_removed_rescan(entity, name))
        for name in added:
            self.message_user(request, f"“{name}” added. " + alias_added_rescan(name))


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


@admin.register(Mention)
class MentionAdmin(admin.ModelAdmin):
    """Mentions are the import's and the rescan's to write: shown here, never edited.

    A hand-made or deleted mention would put the entities' counters out; the way to
    change what an article mentions is an alias edit, which rescans it.
    """

    list_display = ["id", "article_id", "entity", "start", "end", "method"]
    list_filter = ["method"]
    list_select_related = ["entity"]
    search_fields = ["=article__id", "entity__name"]
    raw_id_fields = ["article", "entity"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _merged(entity: Entity | None) -> bool:
    return entity is not None and entity.merged_into_id is not None


def _deleted(form: forms.Form) -> bool:
    """Return whether a formset's form is ticked for deletion."""
    return bool(getattr(form, "cleaned_data", {}).get(DELETION_FIELD_NAME))


def _key(name: str) -> str:
    # Imported here: see AliasForm.clean_name.
    from articles.services import alias_key

    return alias_key(name)
