"""Human dates for the list, the detail pane and the header. No Textual here."""

from __future__ import annotations

from datetime import UTC, datetime

_UNITS = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
)


def local(moment: datetime) -> datetime:
    """The moment in the machine's local time zone (honours ``TZ``)."""
    return moment.astimezone()


DEFAULT_DATE_FORMAT = "%Y-%m-%d"


def list_date(moment: datetime | None, date_format: str = DEFAULT_DATE_FORMAT) -> str:
    """Date for list rows: ``2026-05-05``, or blanks of the same width when unknown."""
    if moment is not None:
        return local(moment).strftime(date_format)
    return " " * len(datetime(2026, 12, 31, 23, 59).strftime(date_format))


def absolute(moment: datetime) -> str:
    """``Tue 5 May 2026, 09:10 IST``."""
    when = local(moment)
    zone = when.strftime("%Z") or when.strftime("%z")
    return f"{when:%a} {when.day} {when:%b %Y, %H:%M} {zone}".rstrip()


def relative(moment: datetime, now: datetime | None = None) -> str:
    """``just now``, ``5 minutes ago``, ``3 days ago``, ``in 2 hours``."""
    now = now or datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    unit, size = next((u, s) for u, s in _UNITS if seconds >= s or u == "minute")
    count = max(1, int(seconds // size))
    label = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {label}" if future else f"{label} ago"
