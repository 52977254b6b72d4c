"""Test helpers shared by every app's tests: a JSON client that goes through the whole
middleware stack, a synchronous run of queued background tasks, and data factories."""

import json
from typing import Any

import factory
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from mercato.accounts.models import AuthSession, User
from mercato.accounts.services import TokenPair, _open_session
from mercato.customers.models import Address

PASSWORD = "Correct-horse-battery-9"


class ApiClient(Client):
    """Django's test client speaking JSON. `token=` sends `Authorization: Bearer …`;
    `headers=` adds any other header (e.g. {"Idempotency-Key": "k1"})."""

    def call(
        self,
        method: str,
        path: str,
        data: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: str | bytes | None = None,
        content_type: str = "application/json",
    ):
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        if method.lower() == "get":
            return self.get(path, data, headers=all_headers)
        body = raw if raw is not None else (json.dumps(data) if data is not None else "")
        return getattr(self, method.lower())(
            path, body, content_type=content_type, headers=all_headers
        )

    def get_json(self, path: str, params: dict | None = None, **kwargs):
        return self.call("get", path, params, **kwargs)

    def post_json(self, path: str, data: Any = None, **kwargs):
        return self.call("post", path, data, **kwargs)

    def patch_json(self, path: str, data: Any = None, **kwargs):
        return self.call("patch", path, data, **kwargs)

    def put_json(self, path: str, data: Any = None, **kwargs):
        return self.call("put", path, data, **kwargs)

    def delete_json(self, path: str, data: Any = None, **kwargs):
        return self.call("delete", path, data, **kwargs)


def run_tasks(max_rounds: int = 10) -> int:
    """Run every queued background task (and the tasks those enqueue), as the worker would,
    inside the test's transaction. Returns how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    ran = 0
    for _ in range(max_rounds):
        ready = list(DBTaskResult.objects.ready().order_by("enqueued_at"))
        if not ready:
            break
        for task_result in ready:
            task_result.claim(worker.worker_id)
            worker.run_task(task_result)
            ran += 1
    return ran


def sign_in(user: User, audience: str = AuthSession.Audience.STORE) -> TokenPair:
    """A session for `user` without going through the login endpoint (and its rate limits)."""
    return _open_session(user=user, audience=audience, ip="127.0.0.1", user_agent="tests")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    is_staff = True


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    postal_code = "10115"
    country = "DE"
