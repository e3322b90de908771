"""Claim, Speaker and Source labels; and a trigger that freezes an annotated article's body.

Annotation offsets point into the body: rewriting it under them would silently move every
span. The trigger enforces that in the database, whatever code (or admin) tries.
"""

from django.db import migrations

LABELS = [
    ("Claim", "claim", "#c2410c", "1", 0, "what was said"),
    (
        "Speaker",
        "speaker",
        "#1d4ed8",
        "2",
        1,
        "who said it: a person, an office, an anonymous source",
    ),
    ("Source", "source", "#15803d", "3", 2, "the outlet that reported it"),
]

FREEZE_BODY = """
CREATE FUNCTION tanpan_article_body_frozen() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM annotations_annotation WHERE article_id = OLD.id) THEN
        RAISE EXCEPTION 'article % has annotations: its body cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER article_body_frozen
    BEFORE UPDATE OF body ON articles_article
    FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body)
    EXECUTE FUNCTION tanpan_article_body_frozen();
"""

UNFREEZE_BODY = """
DROP TRIGGER IF EXISTS article_body_frozen ON articles_article;
DROP FUNCTION IF EXISTS tanpan_article_body_frozen();
"""


def create_labels(apps, schema_editor):
    Label = apps.get_model("annotations", "Label")
    for name, kind, colour, shortcut, position, description in LABELS:
        Label.objects.get_or_create(
            name=name,
            defaults={
                "kind": kind,
                "colour": colour,
                "shortcut": shortcut,
                "position": position,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]
    operations = [
        migrations.RunPython(create_labels, migrations.RunPython.noop),
        migrations.RunSQL(FREEZE_BODY, UNFREEZE_BODY),
    ]
