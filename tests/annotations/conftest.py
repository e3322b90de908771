import pytest
from rest_framework.test import APIClient

from annotations.models import Label
from tests.articles.conftest import samples, write_article  # noqa: F401 - shared fixtures


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
