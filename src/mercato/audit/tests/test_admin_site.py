import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from mercato.accounts.models import App
from mercato.accounts.services import create_api_key
from mercato.audit.models import AuditLogEntry
from mercato.audit.services import Actor, record_change
from mercato.core.events import record_event
from mercato.customers.models import Address
from tests.support import PASSWORD, AddressFactory, StaffFactory, UserFactory

IP = "203.0.113.9"


@pytest.fixture
def superuser(db):
    return StaffFactory(is_superuser=True)


@pytest.fixture
def back_office(superuser) -> Client:
    client = Client(REMOTE_ADDR=IP)
    client.force_login(superuser)
    return client


def _change_form_data(response) -> dict:
    """What the browser would post back for an unchanged admin change form."""

    def put(data, name, value):
        if value is True:
            data[name] = "on"
        elif value is not None and value is not False:
            data[name] = value

    data: dict = {}
    form = response.context["adminform"].form
    for name in form.fields:
        put(data, name, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(data, f"{formset.prefix}-{name}", formset.management_form[name].value())
        for subform in formset.forms:
            for name in subform.fields:
                put(data, subform.add_prefix(name), subform[name].value())
    return data


def test_changing_a_customer_records_before_and_after(back_office, superuser):
    customer = UserFactory(first_name="Ada", phone="")
    AddressFactory(user=customer)
    url = f"/admin/customers/customer/{customer.pk}/change/"
    data = _change_form_data(back_office.get(url))

    response = back_office.post(url, {**data, "first_name": "Grace", "phone": "+44 20"})

    assert response.status_code == 302, response.context and response.context["errors"]
    customer.refresh_from_db()
    assert (customer.first_name, customer.phone) == ("Grace", "+44 20")
    entry = AuditLogEntry.objects.get()
    assert entry.action == "update"
    assert entry.object_type == "accounts.user"
    assert entry.object_id == str(customer.public_id)
    assert entry.changes["first_name"] == ["Ada", "Grace"]
    assert entry.changes["phone"] == ["", "+44 20"]
    assert "email" not in entry.changes
    assert entry.actor_user == superuser
    assert entry.actor_label == superuser.email
    assert entry.source == "admin_site"
    assert entry.ip_address == IP


def test_a_refused_change_records_nothing(back_office):
    customer = UserFactory()
    url = f"/admin/customers/customer/{customer.pk}/change/"
    data = _change_form_data(back_office.get(url))

    response = back_office.post(url, {**data, "first_name": "x" * 151})

    assert response.status_code == 200
    assert not AuditLogEntry.objects.exists()


def test_deleting_a_customer_records_a_delete_entry(back_office, superuser):
    customer = UserFactory(first_name="Ada")
    public_id, email = customer.public_id, customer.email

    response = back_office.post(f"/admin/customers/customer/{customer.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not type(customer).objects.filter(pk=customer.pk).exists()
    entry = AuditLogEntry.objects.get()
    assert entry.action == "delete"
    assert entry.object_id == str(public_id)
    assert entry.changes["email"] == [email, None]
    assert entry.changes["first_name"] == ["Ada", None]
    assert (entry.actor_user, entry.ip_address) == (superuser, IP)


def test_deleting_customers_from_the_list_records_one_entry_each(back_office):
    customers = UserFactory.create_batch(2)

    response = back_office.post(
        "/admin/customers/customer/",
        {"action": "delete_selected", "_selected_action": [c.pk for c in customers], "post": "yes"},
    )

    assert response.status_code == 302
    entries = AuditLogEntry.objects.filter(action="delete")
    assert sorted(e.object_id for e in entries) == sorted(str(c.public_id) for c in customers)
    assert all(e.ip_address == IP for e in entries)


def _customer_page(back_office, customer) -> tuple[str, dict]:
    url = f"/admin/customers/customer/{customer.pk}/change/"
    return url, _change_form_data(back_office.get(url))


def _row(data: dict, address) -> str:
    """The inline form prefix ("addresses-N") of an address on the customer page."""
    index = next(k for k, v in data.items() if k.endswith("-id") and v == address.pk)
    return index.removesuffix("-id")


def test_staff_cannot_change_a_customers_email_in_the_back_office(api, back_office):
    customer = UserFactory(email="ada@example.com")
    url, data = _customer_page(back_office, customer)

    response = back_office.post(url, {**data, "email": "mallory@example.com"})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.email == "ada@example.com"
    login = api.post_json(
        "/api/store/auth/login", {"email": "ada@example.com", "password": PASSWORD}
    )
    assert login.status_code == 200


def test_an_unknown_country_is_refused_in_the_address_inline(back_office):
    customer = UserFactory()
    address = AddressFactory(user=customer, country="DE")
    url, data = _customer_page(back_office, customer)

    response = back_office.post(url, {**data, f"{_row(data, address)}-country": "zz"})

    assert response.status_code == 200
    address.refresh_from_db()
    assert address.country == "DE"


def test_moving_a_default_in_the_inline_leaves_one_of_each_and_is_audited(back_office, superuser):
    customer = UserFactory()
    old = AddressFactory(user=customer, is_default_shipping=True, is_default_billing=True)
    new = AddressFactory(user=customer)
    url, data = _customer_page(back_office, customer)
    data.pop(f"{_row(data, old)}-is_default_shipping")
    data[f"{_row(data, new)}-is_default_shipping"] = "on"

    response = back_office.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    shipping = Address.objects.filter(user=customer, is_default_shipping=True)
    billing = Address.objects.filter(user=customer, is_default_billing=True)
    assert list(shipping) == [new]
    assert list(billing) == [old]
    changes = {
        entry.object_id: entry.changes
        for entry in AuditLogEntry.objects.filter(object_type="customers.address")
    }
    assert changes[str(new.public_id)]["is_default_shipping"] == [False, True]
    assert changes[str(old.public_id)]["is_default_shipping"] == [True, False]
    assert {e.actor_user for e in AuditLogEntry.objects.all()} == {superuser}


def test_two_defaults_of_one_kind_are_refused_in_the_inline(back_office):
    customer = UserFactory()
    first = AddressFactory(user=customer, is_default_billing=True)
    second = AddressFactory(user=customer)
    url, data = _customer_page(back_office, customer)
    data[f"{_row(data, second)}-is_default_billing"] = "on"

    response = back_office.post(url, data)

    assert response.status_code == 200
    assert list(Address.objects.filter(user=customer, is_default_billing=True)) == [first]
    assert not AuditLogEntry.objects.exists()


def test_deleting_an_address_in_the_inline_is_audited(back_office):
    customer = UserFactory()
    address = AddressFactory(user=customer, city="Berlin")
    url, data = _customer_page(back_office, customer)

    response = back_office.post(url, {**data, f"{_row(data, address)}-DELETE": "on"})

    assert response.status_code == 302
    assert not Address.objects.filter(pk=address.pk).exists()
    entry = AuditLogEntry.objects.get(object_type="customers.address")
    assert entry.action == "delete"
    assert entry.object_id == str(address.public_id)
    assert entry.changes["city"] == ["Berlin", None]


def test_adding_an_app_records_its_permissions(back_office, superuser):
    permission = Permission.objects.get(codename="view_user")

    response = back_office.post(
        "/admin/accounts/app/add/",
        {"name": "ERP", "is_active": "on", "permissions": [permission.pk], **_empty_inline("keys")},
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    app = App.objects.get(name="ERP")
    entry = AuditLogEntry.objects.get(object_type="accounts.app")
    assert entry.action == "create"
    assert entry.object_id == str(app.public_id)
    assert entry.changes["permissions"] == [None, [permission.pk]]
    assert entry.changes["created_by"] == [None, superuser.pk]


def _empty_inline(prefix: str) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# --- the audit log itself is read-only ------------------------------------------------------


@pytest.fixture
def entry(superuser):
    return record_change(
        actor=Actor(label="system"), action="update", obj=superuser, verb="staff.touch"
    )


def test_the_audit_log_cannot_be_added_to_in_the_admin(back_office):
    assert back_office.get("/admin/audit/auditlogentry/add/").status_code == 403
    assert back_office.post("/admin/audit/auditlogentry/add/", {"verb": "x"}).status_code == 403
    assert not AuditLogEntry.objects.exists()


def test_an_audit_entry_can_be_viewed_but_not_changed(back_office, entry):
    url = f"/admin/audit/auditlogentry/{entry.pk}/change/"

    assert back_office.get(url).status_code == 200
    response = back_office.post(url, {"verb": "forged", "actor_label": "someone"})

    assert response.status_code == 403
    entry.refresh_from_db()
    assert (entry.verb, entry.actor_label) == ("staff.touch", "system")


def test_an_audit_entry_cannot_be_deleted(back_office, entry):
    response = back_office.post(f"/admin/audit/auditlogentry/{entry.pk}/delete/", {"post": "yes"})
    bulk = back_office.post(
        "/admin/audit/auditlogentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert response.status_code == 403
    assert bulk.status_code in {200, 302, 403}
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()


# --- the back office pages render -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/customers/customer/",
        "/admin/customers/customer/?q=ada",
        "/admin/accounts/user/",
        "/admin/accounts/app/",
        "/admin/accounts/apikey/",
        "/admin/audit/auditlogentry/",
        "/admin/core/event/",
    ],
)
def test_changelists_render_with_data(back_office, superuser, url):
    customer = UserFactory(first_name="Ada")
    AddressFactory(user=customer)
    app = App.objects.create(name="ERP", created_by=superuser)
    create_api_key(app=app, name="main", actor=Actor(label="system"))
    record_event("customer.created", user_id=customer.pk)

    response = back_office.get(url)

    assert response.status_code == 200
    assert b"Traceback" not in response.content


def test_change_pages_render(back_office, superuser):
    customer = UserFactory()
    AddressFactory(user=customer)
    app = App.objects.create(name="ERP", created_by=superuser)
    api_key, _ = create_api_key(app=app, actor=Actor(label="system"))
    pages = [
        f"/admin/customers/customer/{customer.pk}/change/",
        f"/admin/accounts/user/{customer.pk}/change/",
        f"/admin/accounts/app/{app.pk}/change/",
        f"/admin/accounts/apikey/{api_key.pk}/change/",
        "/admin/accounts/apikey/add/",
    ]

    assert {page: back_office.get(page).status_code for page in pages} == dict.fromkeys(pages, 200)


def test_customers_admin_lists_no_staff_and_offers_no_add(back_office):
    customer = UserFactory()
    staff = StaffFactory()

    response = back_office.get("/admin/customers/customer/")

    assert customer.email in response.content.decode()
    assert staff.email not in response.content.decode()
    assert back_office.get("/admin/customers/customer/add/").status_code == 403


def test_a_customer_cannot_enter_the_back_office(client, customer):
    client.force_login(customer)

    response = client.get("/admin/customers/customer/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
