from django import forms
from django.contrib.auth.models import User

from annotations.export import FORMATS, KINDS, ExportFilters
from annotations.models import Annotation, Label
from config.params import MAX_BIGINT

MAX_COMMENT = 2000  # a reviewer's comment on an annotation, in characters


class OneLineErrors:
    """A form whose errors read as one line, for a message above the page."""

    errors: dict

    def error_message(self) -> str:
        return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in self.errors.items())


class ExportForm(forms.Form):
    """The export's options, shared by the page (GET) and validated like the command's."""

    kind = forms.ChoiceField(choices=[(k, k) for k in KINDS], initial="claims")
    format = forms.ChoiceField(choices=[(f, f) for f in FORMATS], initial="csv")
    status = forms.MultipleChoiceField(
        choices=Annotation.Status.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    outlet = forms.CharField(required=False, max_length=200)
    since = forms.DateField(required=False, help_text="annotations created on or after")
    until = forms.DateField(required=False, help_text="annotations created on or before")
    annotator = forms.CharField(required=False, max_length=150)
    label = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    bom = forms.BooleanField(required=False, initial=True, label="UTF-8 BOM (for Excel)")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [
            (name, name) for name in Label.objects.values_list("name", flat=True)
        ]

    def clean_annotator(self) -> str:
        name = self.cleaned_data["annotator"].strip()
        if name and not User.objects.filter(username=name).exists():
            raise forms.ValidationError(f"no user named {name!r}")
        return name

    def clean(self) -> dict:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError("since must not be after until")
        return data

    def filters(self) -> ExportFilters:
        data = self.cleaned_data
        return ExportFilters(
            kind=data["kind"],
            status=data["status"],
            outlet=data["outlet"].strip(),
            since=data["since"],
            until=data["until"],
            annotator=data["annotator"],
            label=data["label"],
        )


class AssignForm(OneLineErrors, forms.Form):
    """Assign one article, the current filtered list, or the next N unassigned articles."""

    analysts = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(groups__name="analyst", is_active=True).order_by("username")
    )
    mode = forms.ChoiceField(
        choices=[
            ("article", "this article"),
            ("list", "the filtered list"),
            ("next", "the next N unassigned"),
        ]
    )
    article = forms.IntegerField(required=False, min_value=1)
    query = forms.CharField(required=False, max_length=2000, help_text="the list's query string")
    count = forms.IntegerField(required=False, min_value=1, max_value=1000, initial=10)


class ReviewActionForm(OneLineErrors, forms.Form):
    """What the review page's buttons send: accept or reject one annotation, or accept all
    of an analyst's in the article; adopting a version (agreement page) sends an analyst."""

    action = forms.ChoiceField(
        required=False, choices=[(a, a) for a in ("accept", "reject", "accept_all")]
    )
    annotation = forms.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)
    annotator = forms.IntegerField(required=False, min_value=1, max_value=MAX_BIGINT)
    comment = forms.CharField(required=False, max_length=MAX_COMMENT)
