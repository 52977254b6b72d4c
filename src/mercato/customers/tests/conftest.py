import pytest

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "line1": "Unter den Linden 1",
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}


@pytest.fixture
def address_data() -> dict:
    return dict(ADDRESS)
