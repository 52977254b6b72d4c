"""What every app's typed service inputs share."""

from dataclasses import fields
from enum import Enum
from typing import Any, Final


class Unset(Enum):
    """ "Leave it as it is", where None is a value."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET
"""A field of a service input left out: on a change it stays as it is, on a new object it
takes the model's default."""


class Changes:
    """A mixin for the frozen dataclasses that carry a change: the fields given, by name."""

    def given(self) -> dict[str, Any]:
        return {
            f.name: value
            for f in fields(self)  # type: ignore[arg-type]
            if (value := getattr(self, f.name)) is not UNSET
        }
