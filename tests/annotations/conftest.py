import pytest
from rest_framework.test import APIClient

from annotations.models import Annotation, Label
from annotations.services import Changes, SourceLink, annotation_create, annotation_update
from articles.models import Alias


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def alice_api(analyst) -> APIClient:
    return api_client(analyst)


@pytest.fixture
def bob_api(other_analyst) -> APIClient:
    return api_client(other_analyst)


@pytest.fixture
def rita_api(reviewer) -> APIClient:
    return api_client(reviewer)


@pytest.fixture
def labels(db) -> dict[str, Label]:
    return {
        label.kind: label for label in Label.objects.filter(name__in=["Claim", "Speaker", "Source"])
    }


QUOTE = "艰苦的工作仍在继续"


def add(user, article, label, text, **extra) -> Annotation:
    """Return a new annotation of the first occurrence of text in the article."""
    start = article.body.index(text)
    annotation, _ = annotation_create(
        user=user,
        article=article,
        changes=Changes(label=label, start=start, end=start + len(text), text=text, **extra),
    )
    return annotation


@pytest.fixture
def claim(samples, labels, analyst) -> Annotation:
    """A claim in sample 000 with a speaker span (an entity) and two sources."""
    article = samples["000"]
    peskov = Alias.objects.get(normalized="佩斯科夫").entity
    tass = Alias.objects.get(normalized="塔斯社").entity
    speaker = add(analyst, article, labels["speaker"], "佩斯科夫", entity=peskov)
    source = add(analyst, article, labels["source"], "塔斯社", entity=tass)
    claim = add(analyst, article, labels["claim"], QUOTE)
    return annotation_update(
        user=analyst,
        annotation=claim,
        version=1,
        changes=Changes(
            speaker=speaker,
            speaker_entity=peskov,
            note="备注",
            sources=[SourceLink(span=source), SourceLink(entity=tass)],
        ),
    )
