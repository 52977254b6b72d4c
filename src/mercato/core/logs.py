"""Log formatting and filters that the LOGGING setting names.

A request with a Host header the server does not serve (scanners send any) is worth one line
in the log, not a traceback: `OneLineFormatter` writes it so, and `RefusedHostFilter` drops
Django's second line about the same request ("Bad Request: /path")."""

import logging

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest


class OneLineFormatter(logging.Formatter):
    """The message on one line, with the request's method and path; no traceback."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            line = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        request = getattr(record, "request", None)
        if request is not None:
            line = f"{line} ({request.method} {request.get_full_path()[:200]})"
        return " ".join(line.split())


def host_refused(request: HttpRequest) -> bool:
    try:
        request.get_host()
    except DisallowedHost:
        return True
    return False


class RefusedHostFilter(logging.Filter):
    """Drop django.request's record of a 400 whose Host was refused: the security logger
    has written that request's line already."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return not (
            getattr(record, "status_code", None) == 400
            and request is not None
            and host_refused(request)
        )
