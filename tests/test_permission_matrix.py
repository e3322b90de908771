"""Every URL × every persona × every method, generated from the URL conf.

MATRIX says, for each named URL, which methods it serves and who may use each. The test
walks the URL conf, so a new view without a row fails here until someone decides who may
use it. Each request runs inside a transaction that is rolled back, so one persona's
write cannot hide another's; refused requests must also leave the database unchanged.
"""

import json
import re
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from annotations.models import Annotation, AnnotationEvent, Assignment, Label, Suggestion
from annotations.services import Changes, annotation_create, article_mark_done, articles_assign
from articles.models import Alias, Article, Entity, EntityMerge
from tests.conftest import PASSWORD
from tests.urlwalk import iter_routes

PERSONAS = ("anonymous", "outsider", "owner", "analyst", "reviewer", "admin")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

# who may use a method; "owner" is alice, who wrote the annotation and holds the assignment
PUBLIC = frozenset(PERSONAS)
LOGIN = PUBLIC - {"anonymous"}
BROWSE = ANNOTATE = LOGIN - {"outsider"}
OWNER = ANNOTATE - {"analyst"}  # analysts reach only their own annotations; reviewers all
REVIEW = EXPORT = frozenset({"reviewer", "admin"})
STAFF = frozenset({"admin"})

MATRIX: dict[str, dict[str, frozenset]] = {
    # accounts
    "login": {"GET": PUBLIC, "POST": PUBLIC},
    "logout": {"POST": LOGIN},
    "password_change": {"GET": LOGIN, "POST": LOGIN},
    "password_change_done": {"GET": LOGIN},
    "profile": {"GET": LOGIN},
    "api_token_create": {"POST": LOGIN},
    "api_token_revoke": {"POST": LOGIN},
    # the admin's own login page (the rest of the admin: ADMIN_RULES); Django's LoginView
    # treats PUT like POST, and the admin's URL is Django's to shape
    "admin:login": {"GET": PUBLIC, "POST": PUBLIC, "PUT": PUBLIC},
    # pages
    "article_list": {"GET": BROWSE},
    "article_detail": {"GET": BROWSE},
    "article_raw": {"GET": BROWSE},
    "entity_list": {"GET": BROWSE},
    "entity_autocomplete": {"GET": BROWSE},
    "entity_detail": {"GET": BROWSE},
    "alias_create": {"POST": REVIEW},
    "alias_remove": {"POST": REVIEW},
    "entity_merge": {"POST": REVIEW},
    "overview": {"GET": BROWSE},
    "label_styles": {"GET": LOGIN},
    "my_queue": {"GET": ANNOTATE},
    "export": {"GET": EXPORT},
    "review_queue": {"GET": REVIEW},
    "review_article": {"GET": REVIEW, "POST": REVIEW},
    "agreement": {"GET": REVIEW},
    "agreement_article": {"GET": REVIEW, "POST": REVIEW},
    "assign": {"POST": REVIEW},
    # API
    "api_schema": {"GET": BROWSE},
    "api_docs": {"GET": BROWSE},
    "api_article_list": {"GET": BROWSE},
    "api_article_detail": {"GET": BROWSE},
    "api_entity_list": {"GET": BROWSE},
    "api_entity_detail": {"GET": BROWSE},
    "api_annotation_list": {"GET": ANNOTATE, "POST": ANNOTATE},
    "api_annotation_detail": {"GET": OWNER, "PATCH": OWNER, "DELETE": OWNER},
    "api_annotation_restore": {"POST": OWNER},
    "api_annotation_undo": {"POST": ANNOTATE},
    "api_annotation_done": {"POST": ANNOTATE},
    "api_suggestion_list": {"GET": ANNOTATE},
    "api_suggestion_accept": {"POST": ANNOTATE},
    "api_suggestion_dismiss": {"POST": ANNOTATE},
}
# The Django admin has its own permission system (staff only) behind one gate, whatever
# the method; GET and POST cover it.
ADMIN_RULES = dict.fromkeys(("GET", "POST"), STAFF)
# Routes that are not views of ours: WhiteNoise/static and DRF's format suffixes.
UNNAMED_OK = {"django.views.static.serve"}

TEXT = (
    "普京与特朗普通话讨论和平\n"
    "克里姆林宫发言人佩斯科夫说:“艰苦的工作仍在继续。”据塔斯社报道,双方将再谈。\n"
    "乌克兰总统泽连斯基表示,乌克兰不会放弃领土。\n"
)


ROUTES = sorted({(route, name) for route, name, _ in iter_routes()})


def test_every_view_has_a_row_in_the_matrix():
    missing = [
        (route, name) for route, name in ROUTES if not _is_admin(name) and name not in MATRIX
    ]
    assert not missing, f"add these to MATRIX (who may use them?): {missing}"
    stale = set(MATRIX) - {name for _, name in ROUTES}
    assert not stale, f"MATRIX names views that no longer exist: {stale}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict]:
    """One article with alice's claim, her assignment, an entity with an alias, a suggestion.

    Built once for the module (each request is rolled back, so it stays as built) and
    removed afterwards, row by row, so later tests start from the same empty database.
    """
    from django.apps import apps

    with django_db_blocker.unblock():
        models = [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]
        high = {m: m.objects.order_by("-pk").values_list("pk", flat=True).first() for m in models}
        try:
            yield _build_world(tmp_path_factory.mktemp("matrix"))
        finally:
            for model in reversed(models):  # best effort: cascades take most of it
                if isinstance(high[model], int) or high[model] is None:
                    rows = model.objects.all()
                    if high[model] is not None:
                        rows = rows.filter(pk__gt=high[model])
                    rows.delete()


def _build_world(folder) -> dict:
    from tests.conftest import import_paths

    users = {
        "outsider": User.objects.create_user("charlie", password=PASSWORD),
        **{
            persona: _user(name, role)
            for persona, name, role in [
                ("owner", "alice", "analyst"),
                ("analyst", "bob", "analyst"),
                ("reviewer", "rita", "reviewer"),
                ("admin", "ada", "admin"),
            ]
        },
    }
    path = folder / "article.txt"
    path.write_text(TEXT, encoding="utf-8")
    import_paths(path)
    article = Article.objects.get(source_name=str(path))
    claim_label = Label.objects.get(name="Claim")
    start = article.body.index("艰苦的工作仍在继续")
    annotation, _ = annotation_create(
        user=users["owner"],
        article=article,
        changes=Changes(label=claim_label, start=start, end=start + 9, text="艰苦的工作仍在继续"),
    )
    articles_assign(by=users["reviewer"], analysts=[users["owner"]], article_ids=[article.pk])
    article_mark_done(user=users["owner"], article=article)
    alias = Alias.objects.select_related("entity").get(normalized="佩斯科夫")
    suggestion = Suggestion.objects.filter(article=article).first()
    assert suggestion is not None, "the article should give at least one suggestion"
    other = Entity.objects.exclude(pk=alias.entity_id).filter(kind="person").first()
    return {
        "users": users,
        "article": article,
        "annotation": annotation,
        "claim_label": claim_label,
        "alias": alias,
        "other_entity": other,
        "suggestion": suggestion,
    }


def _user(name: str, role: str) -> User:
    from accounts.services import user_create

    return user_create(username=name, password=PASSWORD, role=role)


def _kwargs(world: dict) -> dict[str, int]:
    return {
        "article_id": world["article"].pk,
        "annotation_id": world["annotation"].pk,
        "entity_id": world["alias"].entity_id,
        "alias_id": world["alias"].pk,
        "suggestion_id": world["suggestion"].pk,
    }


def _fill(route: str, world: dict) -> str:
    values = _kwargs(world)
    for name, value in values.items():
        route = route.replace(f"<int:{name}>", str(value))
    if route.startswith("/admin/"):  # the admin's object ids: any will do behind its gate
        route = re.sub(r"<(?:\w+:)?\w+>", "1", route)
    assert "<" not in route, f"no sample value for {route}"
    return route


def _payload(name: str, method: str, world: dict, persona: str) -> dict:
    """A request that would really change something if the gate let it through."""
    annotation, article = world["annotation"], world["article"]
    payloads: dict[str, dict] = {
        "login": {"username": "alice", "password": PASSWORD},
        "password_change": {
            "old_password": PASSWORD,
            "new_password1": "a much longer new passphrase",
            "new_password2": "a much longer new passphrase",
        },
        "alias_create": {"name": "佩斯科夫同志"},
        "entity_merge": {"other": world["other_entity"].pk},
        "review_article": {"action": "accept", "annotation": annotation.pk},
        "agreement_article": {"annotator": world["users"]["owner"].pk},
        "assign": {
            "analysts": [world["users"]["analyst"].pk],
            "mode": "article",
            "article": article.pk,
        },
        "api_annotation_list": {
            "article": article.pk,
            "label": world["claim_label"].pk,
            "start": article.body.index("乌克兰不会"),
            "end": article.body.index("乌克兰不会") + 5,
            "text": "乌克兰不会",
        },
        "api_annotation_detail": {"version": annotation.version, "note": "changed"},
        "api_annotation_undo": {"article": article.pk},
        "api_annotation_done": {"article": article.pk},
    }
    return payloads.get(name, {})


def _fingerprint() -> tuple:
    """What a refused request must not change."""
    annotations = Annotation.objects.order_by("id").values_list(
        "id", "version", "status", "note", "deleted_at"
    )
    return (
        list(annotations),
        AnnotationEvent.objects.count(),
        Assignment.objects.order_by("id").values_list("id", "done_at").count(),
        list(Alias.objects.order_by("id").values_list("id", "entity_id")),
        EntityMerge.objects.count(),
        Token.objects.count(),
        list(User.objects.order_by("id").values_list("id", "password")),
    )


def _client(persona: str, world: dict) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(world["users"][persona])
    return client


def _request(client: Client, method: str, path: str, data: dict) -> object:
    if method == "DELETE" and "version" in data:
        path = f"{path}?version={data['version']}"
    if path.startswith("/api/") and method != "GET":
        return client.generic(method, path, data=json.dumps(data), content_type="application/json")
    if method == "GET":
        return client.get(path)
    if method == "POST":
        return client.post(path, data)
    return client.generic(method, path, data="", content_type="application/x-www-form-urlencoded")


def _is_login_redirect(response, admin: bool) -> bool:
    target = "/admin/login/" if admin else "/accounts/login/"
    return response.status_code == 302 and response["Location"].startswith(target)


def _refused(response, persona: str, path: str, admin: bool) -> bool:
    if admin:  # the site's login for the anonymous, the admin's for signed-in non-staff
        if path == "/admin/logout/" and response.get("Location") == "/admin/":
            return True  # Django sends non-staff to the admin's index, which asks for a login
        return _is_login_redirect(response, admin=True) or _is_login_redirect(response, False)
    if persona == "anonymous":
        if path.startswith("/api/") and path != "/api/v1/docs/":
            return response.status_code in (401, 403, 429)
        return _is_login_redirect(response, admin=False)
    return response.status_code in (403, 404, 405)


def _is_admin(name: str) -> bool:
    return name.startswith("admin:") and name not in MATRIX


def _cases(name: str) -> Iterator[tuple[str, frozenset | None]]:
    if _is_admin(name):
        yield from ADMIN_RULES.items()
        return
    for method in METHODS:
        yield method, MATRIX[name].get(method)


def _check(world: dict, route: str, name: str) -> list[str]:
    admin = _is_admin(name)
    path = _fill(route, world)
    served = {m for m, allowed in _cases(name) if allowed}
    problems = []
    for method, allowed in _cases(name):
        for persona in PERSONAS:
            cache.clear()  # throttle counts: this walk is not a flood
            client = _client(persona, world)
            data = _payload(name, method, world, persona)
            with transaction.atomic():
                before = _fingerprint()
                response = _request(client, method, path, data)
                after = _fingerprint()
                transaction.set_rollback(True)
            status = response.status_code
            where = f"{persona} {method} {path} → {status}"
            if status >= 500:
                problems.append(f"{where}: server error")
            elif allowed is None:
                # not served: refused, or 405 for anyone who got past the gate
                may_use = any(persona in rule for rule in (r for m, r in _cases(name) if r))
                if may_use and not admin and status != 405:
                    problems.append(f"{where}: expected 405 (serves {sorted(served)})")
                elif not may_use and not (
                    _refused(response, persona, path, admin) or status == 405
                ):
                    problems.append(f"{where}: expected a refusal")
            elif persona in allowed:
                if name == "logout" and status == 302:
                    continue  # logged out: back to the login page
                if admin:  # staff may still meet a read-only model's 403
                    if path == "/admin/logout/":
                        continue  # logged out: back to a login page
                    if _refused(response, persona, path, admin):
                        problems.append(f"{where}: refused but should be allowed")
                elif status in (401, 403, 404, 405) or _is_login_redirect(response, admin):
                    problems.append(f"{where}: refused but should be allowed")
            else:
                if not _refused(response, persona, path, admin):
                    problems.append(f"{where}: should be refused")
                elif before != after:
                    problems.append(f"{where}: refused, yet it changed the database")
    return problems


OURS = [(route, name) for route, name in ROUTES if not _is_admin(name)]
ADMIN = [(route, name) for route, name in ROUTES if _is_admin(name)]


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name"), OURS, ids=[r for r, _ in OURS])
def test_the_permission_matrix(world, route, name):
    problems = _check(world, route, name)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_admin_is_for_admins_only(world):
    """Every admin page behind one gate: everyone but admins is sent to the admin's login."""
    problems = []
    for route, name in ADMIN:
        problems += _check(world, route, name)
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_matrix_covers_object_level_rules(world):
    """The owner/not-owner split is real: bob gets 404 on alice's annotation, rita does not."""
    path = f"/api/v1/annotations/{world['annotation'].pk}/"
    assert _client("analyst", world).get(path).status_code == 404
    assert _client("owner", world).get(path).status_code == 200
    assert _client("reviewer", world).get(path).status_code == 200
