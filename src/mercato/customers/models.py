import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models

from mercato.accounts.models import User, UserManager


class Address(models.Model):
    """An entry of a customer's address book. At most one is the default shipping address and
    one the default billing address (the database enforces it)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150)
    company = models.CharField(max_length=150, blank=True)
    line1 = models.CharField("address line 1", max_length=200)
    line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField("state, province or region", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code.")
    phone = models.CharField(max_length=32, blank=True)
    is_default_shipping = models.BooleanField(default=False)
    is_default_billing = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "addresses"
        indexes = [models.Index(fields=["user", "-created_at", "-id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default_shipping=True),
                name="address_one_default_shipping_per_user",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(is_default_billing=True),
                name="address_one_default_billing_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.line1}, {self.city} {self.country}"


class CustomerManager(UserManager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(is_staff=False)


class Customer(User):
    """Shoppers' accounts (users who are not staff), for the back office."""

    objects: ClassVar[CustomerManager] = CustomerManager()

    class Meta:
        proxy = True
