import pytest
from django.contrib.auth.models import Group, Permission

from mercato.accounts.models import App, AuthSession
from mercato.accounts.services import create_api_key
from mercato.audit.models import AuditLogEntry
from mercato.audit.services import Actor, record_change, snapshot
from tests.support import ApiClient, StaffFactory, sign_in

AUDIT = "/api/admin/audit-log"


def _create_app(api, token, name):
    response = api.post_json(
        "/api/admin/apps", {"name": name, "permissions": ["accounts.view_user"]}, token=token
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def second_owner(db):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name="Owner"))
    return user


def test_changes_made_through_the_admin_api_are_listed_newest_first(api, owner, owner_token):
    first = _create_app(ApiClient(REMOTE_ADDR="203.0.113.5"), owner_token, "ERP")
    second = _create_app(api, owner_token, "Feed")

    response = api.get_json(AUDIT, token=owner_token)

    assert response.status_code == 200
    items = response.json()["items"]
    assert [(item["verb"], item["object_id"]) for item in items] == [
        ("app.create", second["id"]),
        ("app.create", first["id"]),
    ]
    entry = items[1]
    assert entry["actor"] == owner.email
    assert entry["source"] == "admin_api"
    assert entry["action"] == "create"
    assert entry["object_type"] == "accounts.app"
    assert entry["object_repr"] == "ERP"
    assert entry["ip_address"] == "203.0.113.5"
    assert entry["changes"]["name"] == [None, "ERP"]


def test_an_update_records_the_fields_before_and_after(api, owner_token):
    app = _create_app(api, owner_token, "ERP")

    api.patch_json(f"/api/admin/apps/{app['id']}", {"name": "ERP 2"}, token=owner_token)

    entry = api.get_json(AUDIT, {"object_id": app["id"]}, token=owner_token).json()["items"][0]
    assert entry["verb"] == "app.update"
    assert entry["changes"] == {"name": ["ERP", "ERP 2"]}


def test_filters_by_object_type_object_id_and_actor(api, owner, owner_token, second_owner):
    erp = _create_app(api, owner_token, "ERP")
    feed = _create_app(api, sign_in(second_owner, AuthSession.Audience.ADMIN).access_token, "Feed")
    record_change(actor=Actor(label="system"), action="update", obj=owner, verb="staff.touch")

    def ids(params):
        response = api.get_json(AUDIT, params, token=owner_token)
        assert response.status_code == 200
        return [item["object_id"] for item in response.json()["items"]]

    assert ids({"object_type": "accounts.app"}) == [feed["id"], erp["id"]]
    assert ids({"object_type": "accounts.user"}) == [str(owner.public_id)]
    assert ids({"object_id": erp["id"]}) == [erp["id"]]
    assert ids({"actor": second_owner.email}) == [feed["id"]]
    assert ids({"actor": owner.email, "object_type": "accounts.app"}) == [erp["id"]]
    assert ids({"actor": "nobody@example.com"}) == []


def test_pages_with_a_cursor(api, owner, owner_token):
    for n in range(5):
        record_change(actor=Actor(label="system"), action="action", obj=owner, verb=f"v{n}")

    verbs, cursor = [], None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get_json(AUDIT, params, token=owner_token).json()
        verbs += [item["verb"] for item in page["items"]]
        cursor = page["next"]

    assert verbs == ["v4", "v3", "v2", "v1", "v0"]
    assert cursor is None


@pytest.mark.parametrize(
    "params", [{"limit": 101}, {"limit": 0}, {"cursor": "garbage!!"}, {"object_id": "x" * 65}]
)
def test_bad_parameters_are_422(api, owner_token, params):
    response = api.get_json(AUDIT, params, token=owner_token)

    assert response.status_code == 422
    assert set(params) <= {error["field"] for error in response.json()["errors"]}


@pytest.mark.parametrize("count", [3, 30])
def test_list_runs_a_constant_number_of_queries(
    api, owner, owner_token, django_assert_max_num_queries, count
):
    for n in range(count):
        record_change(actor=Actor(label="system"), action="action", obj=owner, verb=f"v{n}")

    with django_assert_max_num_queries(4):
        response = api.get_json(AUDIT, {"limit": 100}, token=owner_token)

    assert len(response.json()["items"]) == count


def test_staff_without_permission_is_403(api, owner, staff_token_without_permissions):
    record_change(actor=Actor(label="system"), action="action", obj=owner, verb="secret.thing")

    response = api.get_json(AUDIT, token=staff_token_without_permissions)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "secret.thing" not in response.content.decode()


def test_customer_support_may_not_read_the_audit_log(api, db):
    support = StaffFactory()
    support.groups.add(Group.objects.get(name="Customer support"))

    response = api.get_json(AUDIT, token=sign_in(support, AuthSession.Audience.ADMIN).access_token)

    assert response.status_code == 403


def test_a_customer_token_is_401(api, customer_token):
    response = api.get_json(AUDIT, token=customer_token)

    assert response.status_code == 401


def test_an_app_key_with_the_permission_reads_it(api, db):
    app = App.objects.create(name="SIEM")
    app.permissions.add(Permission.objects.get(codename="view_auditlogentry"))
    _, key = create_api_key(app=app, actor=Actor(label="system"))

    response = api.get_json(AUDIT, token=key)

    assert response.status_code == 200
    assert [item["verb"] for item in response.json()["items"]] == ["apikey.create"]


def test_secrets_never_reach_the_log(owner):
    entry = record_change(
        actor=Actor(label="system"), action="create", obj=owner, after=snapshot(owner)
    )

    assert entry.changes["password"] == [None, "[redacted]"]
    assert AuditLogEntry.objects.get(pk=entry.pk).changes["email"] == [None, owner.email]
