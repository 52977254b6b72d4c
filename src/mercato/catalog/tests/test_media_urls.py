"""A product image linked by URL goes to a public http(s) host only: loopback, private,
link-local, metadata hosts and other schemes are refused with 422, naming the field, and
nothing changes. The same rule holds in the back office."""

import pytest

from mercato.audit.services import SYSTEM
from mercato.catalog import services
from mercato.catalog.admin import MediaForm
from mercato.catalog.models import ProductMedia
from mercato.catalog.tests.factories import catalog_state
from mercato.core.urls_safety import UnsafeUrl

PRODUCTS = "/api/admin/catalog/products"

UNSAFE = [
    "http://127.0.0.1/a.png",
    "http://2130706433/a.png",
    "http://0x7f.1/a.png",
    "http://[::1]/a.png",
    "http://[::ffff:10.0.0.1]/a.png",
    "http://localhost:8000/media/a.png",
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://[fd00:ec2::254]/latest/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://192.168.0.10/a.png",
    "https://user:secret@img.test/a.png",
]


@pytest.mark.parametrize("url", UNSAFE)
def test_the_api_refuses_an_unsafe_media_url(api, owner_token, shop, url):
    before = catalog_state()

    response = api.post_json(
        f"{PRODUCTS}/{shop.alpha.public_id}/media/url", {"url": url}, token=owner_token
    )

    assert response.status_code == 422, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "unsafe_url"
    assert [error["field"] for error in body["errors"]] == ["url"]
    assert catalog_state() == before


@pytest.mark.parametrize("url", ["ftp://img.test/a.png", "file:///etc/passwd", "gopher://x.test/"])
def test_the_api_refuses_other_schemes(api, owner_token, shop, url):
    before = catalog_state()

    response = api.post_json(
        f"{PRODUCTS}/{shop.alpha.public_id}/media/url", {"url": url}, token=owner_token
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "url"
    assert catalog_state() == before


def test_a_public_media_url_is_kept(api, owner_token, shop):
    response = api.post_json(
        f"{PRODUCTS}/{shop.alpha.public_id}/media/url",
        {"url": "https://93.184.216.34/a.png"},
        token=owner_token,
    )

    assert response.status_code == 201, response.content
    assert ProductMedia.objects.get().external_url == "https://93.184.216.34/a.png"


def test_the_service_refuses_too(shop):
    with pytest.raises(UnsafeUrl):
        services.add_media(actor=SYSTEM, product=shop.alpha, external_url="http://169.254.169.254/")
    assert not ProductMedia.objects.exists()


def test_the_back_office_form_refuses_an_unsafe_url(shop):
    form = MediaForm(
        data={"external_url": "http://169.254.169.254/latest/", "alt": "", "sort_order": 1},
        instance=ProductMedia(product=shop.alpha),
    )

    assert not form.is_valid()
    assert "metadata" in form.errors["external_url"][0]


def test_the_back_office_form_keeps_a_public_url(shop):
    form = MediaForm(
        data={"external_url": "https://img.test/a.png", "alt": "", "sort_order": 1},
        instance=ProductMedia(product=shop.alpha),
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["external_url"] == "https://img.test/a.png"
