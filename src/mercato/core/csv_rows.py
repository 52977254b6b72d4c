"""The one CSV row loop: the rows of an uploaded CSV file, read as a stream, with the same
refusals for every import (products, stock)."""

import csv
import io
from collections.abc import Collection, Iterator
from typing import Any

from mercato.core.errors import DomainError


class InvalidCsv(DomainError):
    code, status, title = "invalid_csv", 400, "The CSV file cannot be imported"


def iter_csv_rows(
    file: Any,
    *,
    required_columns: Collection[str],
    known_columns: Collection[str] | None = None,
    max_rows: int | None = None,
) -> Iterator[tuple[int, dict[str, str | None]]]:
    """The data rows of an uploaded CSV file, read as a stream, one `(number, row)` at a time.

    `file` is a binary file object (an upload, or a stored file opened "rb"), read as UTF-8
    (a byte-order mark is allowed). The first line is the header; its names are compared
    with surrounding spaces taken off: every one of `required_columns` must be there and, if
    `known_columns` is given, no other. `number` is the row's number in the file counting
    the header as 1 and skipping blank lines; `row` maps each header name to its cell (as
    `csv.DictReader` does: a short row's missing cells are None, extra cells are a list under
    the key None). Nothing is changed in the cells: callers strip what they need.

    Raises InvalidCsv (400) with a code: `empty_csv` (no header), `invalid_csv_columns`
    (with unknown_columns, missing_columns and expected_columns), `too_many_rows` (more than
    `max_rows` data rows), `invalid_encoding` (not UTF-8), `malformed_csv`. The errors
    about the file's content come while iterating, when the bad part is reached.
    """
    text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
    try:
        raw_header = next(csv.reader(text), None)
        if raw_header is None:
            raise InvalidCsv("The file is empty.", code="empty_csv")
        header = [name.strip() for name in raw_header]
        unknown = [n for n in header if known_columns is not None and n not in known_columns]
        missing = sorted(set(required_columns) - set(header))
        if unknown or missing:
            raise InvalidCsv(
                "The columns are not the expected ones.",
                code="invalid_csv_columns",
                unknown_columns=unknown,
                missing_columns=missing,
                expected_columns=list(known_columns or required_columns),
            )
        for number, row in enumerate(csv.DictReader(text, fieldnames=raw_header), start=2):
            if max_rows is not None and number - 1 > max_rows:
                raise InvalidCsv(f"The file has more than {max_rows} rows.", code="too_many_rows")
            yield number, row
    except UnicodeDecodeError as exc:
        raise InvalidCsv(
            "The file is not UTF-8 text; save it as CSV UTF-8.", code="invalid_encoding"
        ) from exc
    except csv.Error as exc:
        raise InvalidCsv(f"The file is not valid CSV: {exc}.", code="malformed_csv") from exc
    finally:
        text.detach()  # the caller's file stays open (and can be read again after a seek)
