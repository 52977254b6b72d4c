import json
import uuid

import pytest
from django.contrib.auth.models import Permission

from mercato.accounts import services
from mercato.accounts.authentication import Principal
from mercato.accounts.models import ApiKey, App, AuthSession
from mercato.audit.models import AuditLogEntry
from mercato.audit.services import SYSTEM
from tests.support import ApiClient, StaffFactory, sign_in

ME = "/api/admin/me"
APPS = "/api/admin/apps"


def _code(response) -> str:
    return response.json()["code"]


def grant(user, *names: str) -> None:
    for name in names:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def make_app(owner, *permissions: str, name: str = "ERP") -> tuple[App, str]:
    app = services.create_app(
        name=name, permissions=list(permissions), actor=SYSTEM, creator=Principal(user=owner)
    )
    _, secret = services.create_api_key(app=app, actor=SYSTEM)
    return app, secret


@pytest.fixture
def limited_staff(db):
    """A staff member who may manage apps but holds few other permissions."""
    user = StaffFactory()
    grant(user, "accounts.view_app", "accounts.add_app", "accounts.change_app")
    return user


@pytest.fixture
def limited_token(limited_staff) -> str:
    return sign_in(limited_staff, AuthSession.Audience.ADMIN).access_token


# --- who am I -------------------------------------------------------------------------------


def test_me_for_staff(api, owner, owner_token):
    response = api.get_json(ME, token=owner_token)

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "staff"
    assert body["staff"]["email"] == owner.email
    assert body["staff"]["id"] == str(owner.public_id)
    assert {"accounts.add_app", "accounts.view_user"} <= set(body["permissions"])
    assert body["app_id"] is None


def test_me_for_staff_without_permissions(api, staff_token_without_permissions):
    response = api.get_json(ME, token=staff_token_without_permissions)

    assert response.status_code == 200
    assert response.json()["permissions"] == []


def test_me_for_an_app_key(api, owner):
    app, secret = make_app(owner, "accounts.view_user", "accounts.view_app")

    response = api.get_json(ME, token=secret)

    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "app"
    assert body["staff"] is None
    assert body["app_id"] == str(app.public_id)
    assert body["app_name"] == "ERP"
    assert body["permissions"] == ["accounts.view_app", "accounts.view_user"]


def test_me_needs_a_token(api, db):
    response = api.get_json(ME)

    assert response.status_code == 401
    assert _code(response) == "not_authenticated"


def test_customer_token_is_refused_by_the_admin_api(api, customer_token):
    assert _code(api.get_json(ME, token=customer_token)) == "invalid_token"


def test_api_key_is_refused_by_the_store_api(api, owner):
    _, secret = make_app(owner, "accounts.view_user")

    response = api.get_json("/api/store/me", token=secret)

    assert response.status_code == 401
    assert _code(response) == "invalid_token"


# --- apps -----------------------------------------------------------------------------------


def test_create_app_with_permissions(api, owner, owner_token):
    response = api.post_json(
        APPS,
        {"name": "Warehouse sync", "permissions": ["accounts.view_user", "accounts.view_app"]},
        token=owner_token,
    )

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Warehouse sync"
    assert body["is_active"] is True
    assert body["permissions"] == ["accounts.view_app", "accounts.view_user"]
    assert body["keys"] == []
    app = App.objects.get(public_id=body["id"])
    assert app.created_by == owner
    assert app.permissions.count() == 2


def test_staff_cannot_give_an_app_permissions_it_lacks(api, limited_token):
    allowed = api.post_json(
        APPS, {"name": "Mine", "permissions": ["accounts.view_app"]}, token=limited_token
    )
    escalation = api.post_json(
        APPS,
        {"name": "Too strong", "permissions": ["accounts.view_app", "accounts.delete_user"]},
        token=limited_token,
    )

    assert allowed.status_code == 201
    assert escalation.status_code == 422
    assert _code(escalation) == "permission_escalation"
    assert escalation.json()["errors"][0]["field"] == "permissions"
    assert list(App.objects.values_list("name", flat=True)) == ["Mine"]
    assert AuditLogEntry.objects.filter(verb="app.create").count() == 1


def test_staff_cannot_escalate_an_app_by_updating_it(api, limited_token):
    app_id = api.post_json(APPS, {"name": "Mine"}, token=limited_token).json()["id"]

    response = api.patch_json(
        f"{APPS}/{app_id}",
        {"name": "Renamed", "permissions": ["accounts.delete_user"]},
        token=limited_token,
    )

    assert response.status_code == 422
    assert _code(response) == "permission_escalation"
    app = App.objects.get(public_id=app_id)
    assert app.name == "Mine"
    assert not app.permissions.exists()
    assert not AuditLogEntry.objects.filter(verb="app.update").exists()


def test_an_app_cannot_create_a_stronger_app(api, owner):
    _, secret = make_app(owner, "accounts.add_app", "accounts.view_app")

    response = api.post_json(
        APPS, {"name": "Child", "permissions": ["accounts.delete_app"]}, token=secret
    )

    assert _code(response) == "permission_escalation"
    assert not App.objects.filter(name="Child").exists()


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"name": "X", "permissions": ["accounts.no_such_thing"]}, 422, "unknown_permission"),
        ({"name": "X", "permissions": ["nonsense"]}, 422, "unknown_permission"),
        ({"name": ""}, 422, "validation_error"),
        ({"name": "x" * 101}, 422, "validation_error"),
        ({"name": "X", "owner": "me"}, 422, "validation_error"),
        ({"name": "X", "permissions": "accounts.view_app"}, 422, "validation_error"),
    ],
)
def test_create_app_bad_input_changes_nothing(api, owner_token, payload, status, code):
    response = api.post_json(APPS, payload, token=owner_token)

    assert response.status_code == status
    assert _code(response) == code
    assert not App.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_update_app(api, owner_token):
    app_id = api.post_json(APPS, {"name": "ERP"}, token=owner_token).json()["id"]

    response = api.patch_json(
        f"{APPS}/{app_id}",
        {"name": "ERP v2", "permissions": ["accounts.view_user"]},
        token=owner_token,
    )

    assert response.status_code == 200
    assert response.json()["name"] == "ERP v2"
    assert response.json()["permissions"] == ["accounts.view_user"]
    assert response.json()["is_active"] is True


def test_unknown_app_is_not_found(api, owner_token):
    missing = uuid.uuid4()

    responses = [
        api.get_json(f"{APPS}/{missing}", token=owner_token),
        api.patch_json(f"{APPS}/{missing}", {"name": "X"}, token=owner_token),
        api.post_json(f"{APPS}/{missing}/keys", {}, token=owner_token),
        api.post_json(f"{APPS}/{missing}/keys/{uuid.uuid4()}/revoke", token=owner_token),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert {_code(r) for r in responses} == {"app_not_found"}
    assert not ApiKey.objects.exists()


def test_malformed_app_id_is_not_found(api, owner_token):
    response = api.get_json(f"{APPS}/not-a-uuid", token=owner_token)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_key_of_another_app_is_not_found(api, owner, owner_token):
    first, _ = make_app(owner, name="First")
    second, _ = make_app(owner, name="Second")
    key = first.keys.get()

    response = api.post_json(
        f"{APPS}/{second.public_id}/keys/{key.public_id}/revoke", token=owner_token
    )

    assert response.status_code == 404
    assert _code(response) == "api_key_not_found"
    key.refresh_from_db()
    assert key.revoked_at is None


@pytest.mark.parametrize("rows", [3, 30])
def test_list_apps_runs_a_constant_number_of_queries(
    api, owner, owner_token, django_assert_max_num_queries, rows
):
    for n in range(rows):
        make_app(owner, "accounts.view_user", "accounts.view_app", name=f"App {n:02}")

    with django_assert_max_num_queries(7):
        response = api.get_json(APPS, token=owner_token)

    assert response.status_code == 200
    assert len(response.json()) == rows
    assert response.json()[0]["permissions"] == ["accounts.view_app", "accounts.view_user"]
    assert len(response.json()[0]["keys"]) == 1


# --- API keys -------------------------------------------------------------------------------


def test_key_secret_is_shown_once_and_authenticates(api, owner, owner_token):
    app_id = api.post_json(
        APPS, {"name": "ERP", "permissions": ["accounts.view_app"]}, token=owner_token
    ).json()["id"]

    created = api.post_json(f"{APPS}/{app_id}/keys", {"name": "prod"}, token=owner_token)

    assert created.status_code == 201
    secret = created.json()["key"]
    assert secret.startswith("mk_")
    assert created.json()["name"] == "prod"
    stored = ApiKey.objects.get(public_id=created.json()["id"])
    assert secret not in (stored.key_hash, stored.prefix)
    assert stored.last_used_at is None
    listed = api.get_json(APPS, token=owner_token)
    detail = api.get_json(f"{APPS}/{app_id}", token=owner_token)
    assert secret not in listed.content.decode() + detail.content.decode()
    assert ["key" in key for key in listed.json()[0]["keys"] + detail.json()["keys"]] == [
        False,
        False,
    ]
    audit = json.dumps(list(AuditLogEntry.objects.values_list("changes", flat=True)))
    assert secret.split("_", 2)[2] not in audit

    by_key = ApiClient(REMOTE_ADDR="10.9.8.7").get_json(APPS, token=secret)

    assert by_key.status_code == 200
    stored.refresh_from_db()
    assert stored.last_used_at is not None
    assert stored.last_used_ip == "10.9.8.7"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda secret: secret[:-1] + ("A" if secret[-1] != "A" else "B"),
        lambda secret: "mk_",
        lambda secret: "mk_" + "0" * 12 + "_whatever",
        lambda secret: secret.replace("mk_", "mk_x", 1),
    ],
    ids=["wrong-secret", "empty", "unknown-prefix", "bad-prefix"],
)
def test_wrong_api_key_is_refused(api, owner, mangle):
    _, secret = make_app(owner, "accounts.view_app")

    response = api.get_json(APPS, token=mangle(secret))

    assert response.status_code == 401
    assert _code(response) == "invalid_api_key"


def test_revoked_key_is_refused(api, owner, owner_token):
    app, secret = make_app(owner, "accounts.view_app")
    other_key = api.post_json(f"{APPS}/{app.public_id}/keys", {}, token=owner_token).json()["key"]
    key = app.keys.earliest("created_at")

    response = api.post_json(
        f"{APPS}/{app.public_id}/keys/{key.public_id}/revoke", token=owner_token
    )

    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    refused = api.get_json(APPS, token=secret)
    assert refused.status_code == 401
    assert _code(refused) == "invalid_api_key"
    assert api.get_json(APPS, token=other_key).status_code == 200


def test_revoking_twice_is_harmless(api, owner, owner_token):
    app, _ = make_app(owner)
    key = app.keys.get()
    url = f"{APPS}/{app.public_id}/keys/{key.public_id}/revoke"

    first = api.post_json(url, token=owner_token)
    second = api.post_json(url, token=owner_token)

    assert first.json()["revoked_at"] == second.json()["revoked_at"]
    assert AuditLogEntry.objects.filter(verb="apikey.revoke").count() == 1


def test_keys_of_a_deactivated_app_are_refused(api, owner, owner_token):
    app, secret = make_app(owner, "accounts.view_app")

    response = api.patch_json(f"{APPS}/{app.public_id}", {"is_active": False}, token=owner_token)

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    refused = api.get_json(ME, token=secret)
    assert refused.status_code == 401
    assert _code(refused) == "invalid_api_key"


def test_app_key_without_the_permission_is_forbidden(api, owner):
    _, secret = make_app(owner, "accounts.view_app")

    response = api.post_json(APPS, {"name": "Sneaky"}, token=secret)

    assert response.status_code == 403
    assert _code(response) == "permission_denied"
    assert not App.objects.filter(name="Sneaky").exists()


def test_staff_without_the_permission_is_forbidden(api, owner, staff_token_without_permissions):
    app, _ = make_app(owner)
    token = staff_token_without_permissions

    responses = [
        api.get_json(APPS, token=token),
        api.get_json(f"{APPS}/{app.public_id}", token=token),
        api.post_json(APPS, {"name": "X"}, token=token),
        api.patch_json(f"{APPS}/{app.public_id}", {"is_active": False}, token=token),
        api.post_json(f"{APPS}/{app.public_id}/keys", {}, token=token),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert {_code(r) for r in responses} == {"permission_denied"}
    app.refresh_from_db()
    assert app.is_active
    assert app.keys.count() == 1
    assert App.objects.count() == 1


def test_staff_with_view_permission_only_cannot_change(api, db):
    staff = StaffFactory()
    grant(staff, "accounts.view_app")
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token

    assert api.get_json(APPS, token=token).status_code == 200
    assert api.post_json(APPS, {"name": "X"}, token=token).status_code == 403


# --- audit log ------------------------------------------------------------------------------


def test_app_and_key_changes_are_audited(api, owner, owner_token):
    view_app = Permission.objects.get(content_type__app_label="accounts", codename="view_app")
    client = ApiClient(REMOTE_ADDR="192.0.2.10")
    app_id = client.post_json(
        APPS, {"name": "ERP", "permissions": ["accounts.view_app"]}, token=owner_token
    ).json()["id"]
    client.patch_json(f"{APPS}/{app_id}", {"name": "ERP v2", "is_active": False}, token=owner_token)
    key_id = client.post_json(f"{APPS}/{app_id}/keys", {"name": "k"}, token=owner_token).json()[
        "id"
    ]
    client.post_json(f"{APPS}/{app_id}/keys/{key_id}/revoke", token=owner_token)

    entries = list(AuditLogEntry.objects.order_by("id"))

    assert [(e.verb, e.action) for e in entries] == [
        ("app.create", "create"),
        ("app.update", "update"),
        ("apikey.create", "create"),
        ("apikey.revoke", "update"),
    ]
    for entry in entries:
        assert entry.actor_user == owner
        assert entry.actor_app is None
        assert entry.actor_label == owner.email
        assert entry.ip_address == "192.0.2.10"
        assert entry.source == "admin_api"
    create, update, key_create, key_revoke = entries
    assert create.object_id == app_id
    assert create.changes["name"] == [None, "ERP"]
    assert create.changes["permissions"] == [None, [view_app.pk]]
    assert update.changes == {"name": ["ERP", "ERP v2"], "is_active": [True, False]}
    assert key_create.object_id == key_id
    assert key_create.changes["key_hash"] == [None, "[redacted]"]
    assert key_revoke.object_id == key_id
    assert list(key_revoke.changes) == ["revoked_at"]
    assert key_revoke.changes["revoked_at"][0] is None


def test_changes_made_by_an_app_are_audited_as_the_app(api, owner):
    app, secret = make_app(owner, "accounts.add_app", "accounts.view_app")

    response = api.post_json(APPS, {"name": "Child", "permissions": []}, token=secret)

    assert response.status_code == 201
    entry = AuditLogEntry.objects.get(verb="app.create", object_id=response.json()["id"])
    assert entry.actor_app == app
    assert entry.actor_user is None
    assert entry.actor_label == "app:ERP"


def test_staff_cannot_make_a_key_for_an_app_stronger_than_itself(api, owner, db):
    strong, _ = make_app(owner, "accounts.view_app", "accounts.delete_user", name="Strong")
    weak, _ = make_app(owner, "accounts.view_app", name="Weak")
    staff = StaffFactory()
    grant(staff, "accounts.view_app", "accounts.add_apikey")
    token = sign_in(staff, AuthSession.Audience.ADMIN).access_token

    refused = api.post_json(f"{APPS}/{strong.public_id}/keys", {}, token=token)
    allowed = api.post_json(f"{APPS}/{weak.public_id}/keys", {}, token=token)

    assert refused.status_code == 422
    assert _code(refused) == "permission_escalation"
    assert strong.keys.count() == 1
    assert allowed.status_code == 201
    assert (
        AuditLogEntry.objects.get(verb="apikey.create", actor_user=staff).object_id
        == (allowed.json()["id"])
    )


def test_an_app_cannot_make_keys_for_a_stronger_app(api, owner):
    strong, _ = make_app(owner, "accounts.view_app", "accounts.delete_user", name="Strong")
    _, secret = make_app(owner, "accounts.view_app", "accounts.add_apikey", name="Minter")

    response = api.post_json(f"{APPS}/{strong.public_id}/keys", {}, token=secret)

    assert _code(response) == "permission_escalation"
    assert strong.keys.count() == 1
