"""Personal data, app by app: each app that holds personal data registers an exporter and an
eraser in its `personal_data.py`. Export gathers every section; erasure runs every eraser in
one transaction (lowest `order` first), so an account is erased whole or not at all."""

from collections.abc import Callable
from typing import Any

from django.db import transaction

Exporter = Callable[[Any], Any]
Eraser = Callable[[Any], None]

_exporters: dict[str, Exporter] = {}
_erasers: list[tuple[int, str, Eraser]] = []


def personal_data_exporter(section: str) -> Callable[[Exporter], Exporter]:
    def register(func: Exporter) -> Exporter:
        _exporters[section] = func
        return func

    return register


def personal_data_eraser(name: str, *, order: int = 100) -> Callable[[Eraser], Eraser]:
    """Register an eraser; the account itself is anonymised last (highest order)."""

    def register(func: Eraser) -> Eraser:
        if all(existing != name for _, existing, _ in _erasers):
            _erasers.append((order, name, func))
            _erasers.sort(key=lambda item: (item[0], item[1]))
        return func

    return register


def export_personal_data(user: Any) -> dict[str, Any]:
    return {section: exporter(user) for section, exporter in sorted(_exporters.items())}


def erase_personal_data(user: Any) -> list[str]:
    with transaction.atomic():
        for _, _, eraser in _erasers:
            eraser(user)
    return [name for _, name, _ in _erasers]
