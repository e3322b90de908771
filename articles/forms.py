from django import forms

from articles.models import Alias, Entity


class AliasForm(forms.ModelForm):
    """An alias whose normalised form must not already name another entity."""

    class Meta:
        model = Alias
        fields = ["name"]

    def clean_name(self) -> str:
        # Imported here: articles.services brings in the whole import pipeline (numpy,
        # pypinyin, jieba's tables), a third of a second that every process paid at start-up
        # because the admin loads this form.
        from articles.services import alias_key

        name = self.cleaned_data["name"].strip()
        key = alias_key(name)
        if not key:
            raise forms.ValidationError("An alias needs at least one character.")
        if owner := alias_owner(name, exclude_alias=self.instance.pk):
            raise forms.ValidationError(f"“{name}” already names {owner.name} (#{owner.pk}).")
        self.instance.normalized = key
        return name


def alias_owner(
    name: str, *, exclude_alias: int | None = None, exclude_entity: int | None = None
) -> Entity | None:
    """Return the entity whose alias name's normalised form already is, if any."""
    from articles.services import alias_key  # see AliasForm.clean_name

    taken = Alias.objects.filter(normalized=alias_key(name))
    if exclude_alias is not None:
        taken = taken.exclude(pk=exclude_alias)
    if exclude_entity is not None:
        taken = taken.exclude(entity_id=exclude_entity)
    owner = taken.select_related("entity").first()
    return owner.entity if owner else None


class EntityMergeForm(forms.Form):
    """Picks the entity to merge into this one (by id; the page offers a search)."""

    other = forms.ModelChoiceField(
        queryset=Entity.objects.none(),
        widget=forms.NumberInput,
        label="Entity id to merge into this one",
        error_messages={"invalid_choice": "No such entity (or it was merged already)."},
    )

    def __init__(self, *args, entity: Entity, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.entity = entity
        self.fields["other"].queryset = Entity.objects.filter(merged_into__isnull=True).exclude(
            pk=entity.pk
        )
