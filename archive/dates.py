"""Every date rule of the archive, in one module.

Stored datetimes are ISO 8601 strings with an offset, so they sort and compare as text in
SQLite and survive export unchanged. Two conventions meet here, each named by its function:

- what a *page* says (`page_datetime`) is Moscow time when it gives no offset, because the
  sources are Moscow newsrooms, and is stored in Moscow time (+03:00); a bare date stays a date;
- what a *feed, sitemap, HTTP header or the archive itself* says (`feed_datetime`,
  `parse_datetime`) is UTC when it gives no offset, as those formats define.

A value that cannot be read, or lies outside the years datetime can represent after a change of
offset, is None, never an exception: dates come from the open web and from users' files.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

UTC = timezone.utc
MOSCOW = timezone(timedelta(hours=3))
_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

MONTHS_GENITIVE = {
    "января": 1, "февраля": 2, "марта": 3, "апреля": 4, "мая": 5, "июня": 6,
    "июля": 7, "августа": 8, "сентября": 9, "октября": 10, "ноября": 11, "декабря": 12,
}
_RUSSIAN_DATE = re.compile(
    r"\b(\d{1,2})\s+(" + "|".join(MONTHS_GENITIVE) + r")\s+(\d{4})(?:\s*(?:г\.|года)?\s*(?:в|,)?\s*(\d{1,2}):(\d{2}))?",
    re.I,
)


def utc_now() -> str:
    """Now, as the archive stores it: ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def parse_datetime(value: str | None, *, naive: timezone = UTC) -> datetime | None:
    """An ISO 8601 or RFC 822 (HTTP, RSS) date-time as an aware datetime, or None.

    A value without an offset is taken to be in `naive`; a bare date is its midnight.
    """
    if not value or not isinstance(value, str):
        return None
    text = " ".join(value.split())
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if moment is None:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=naive)


def _in(moment: datetime | None, zone: timezone) -> datetime | None:
    """`moment` in `zone`, or None when that falls outside datetime's years (0001-01-01+14:00)."""
    if moment is None:
        return None
    try:
        return moment.astimezone(zone)
    except (OverflowError, ValueError):
        return None


def feed_datetime(value: str | None) -> str | None:
    """A feed's, sitemap's or header's date as stored (ISO 8601 with its offset; UTC when none)."""
    moment = parse_datetime(value)
    if moment is None or _in(moment, UTC) is None:
        return None
    return moment.isoformat(timespec="seconds")


def page_datetime(value: str | None) -> str | None:
    """A page's date as stored: Moscow time (+03:00); a bare date stays a date."""
    if not value or not isinstance(value, str):
        return None
    text = " ".join(value.replace("\u00a0", " ").split())
    if _BARE_DATE.fullmatch(text):
        return text if _valid_day(text) else None
    moment = _in(parse_datetime(text, naive=MOSCOW), MOSCOW)
    return moment.isoformat(timespec="seconds") if moment else None


def _valid_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def record_datetime(value: str) -> str:
    """A date or date-time from a user's input file, as stored; ValueError when it is neither.

    A bare date stays a date, and a date-time keeps the offset it was given (none if none).
    """
    if _BARE_DATE.fullmatch(value):
        return date.fromisoformat(value).isoformat()
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None and _in(moment, UTC) is None:
        raise ValueError(f"{value!r} is outside the years a date can have")
    return moment.isoformat()


def later(a: str | None, b: str | None) -> bool:
    """True when date-time `a` is after `b`; False when either is missing or unreadable."""
    first, second = _in(parse_datetime(a), UTC), _in(parse_datetime(b), UTC)
    return bool(first and second and first > second)


def sort_time(published: str | None, fetched_at: str | None) -> datetime:
    """When an article appeared, in UTC: its publication time, else when it was fetched.

    A date without a time counts as noon UTC (mid-day in Moscow), so the same date is close
    and adjacent dates are not.
    """
    for value in (published, fetched_at):
        if value and _BARE_DATE.fullmatch(value.strip()):
            value = f"{value.strip()}T12:00:00"
        moment = _in(parse_datetime(value), UTC)
        if moment is not None:
            return moment
    return datetime(1970, 1, 1, tzinfo=UTC)


def russian_date(text: str) -> str | None:
    """The first date written out in Russian in `text`, as stored.

    '15 февраля 2026 в 15:38' -> '2026-02-15T15:38:00+03:00' (Moscow time, as the sites print
    it); '15 февраля 2026' -> '2026-02-15'.
    """
    match = _RUSSIAN_DATE.search(text)
    if not match:
        return None
    day, month, year, hour, minute = match.groups()
    day_text = f"{year}-{MONTHS_GENITIVE[month.lower()]:02d}-{int(day):02d}"
    if not _valid_day(day_text):
        return None
    if hour is None:
        return day_text
    if int(hour) > 23 or int(minute) > 59:
        return day_text
    return f"{day_text}T{int(hour):02d}:{minute}:00+03:00"


_MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def moscow_display(value: str | None) -> str:
    """A stored date or date-time as a reader sees it: '14 Apr 2026, 12:50 MSK' in Moscow time,
    '14 Apr 2026' for a bare date, '' for none; an unreadable value is shown as it is."""
    if not value:
        return ""
    text = value.strip()
    if _BARE_DATE.fullmatch(text) and _valid_day(text):
        day = date.fromisoformat(text)
        return f"{day.day} {_MONTHS_SHORT[day.month - 1]} {day.year}"
    moment = _in(parse_datetime(text), MOSCOW)
    if moment is None:
        return text
    return f"{moment.day} {_MONTHS_SHORT[moment.month - 1]} {moment.year}, {moment:%H:%M} MSK"


def rfc3339(value: str | None) -> str | None:
    """A stored date or date-time as an Atom (RFC 3339) date-time; a bare date is its Moscow
    midnight, since the sources date their pages in Moscow. None when it cannot be read."""
    if not value:
        return None
    text = value.strip()
    moment = parse_datetime(f"{text}T00:00:00+03:00" if _BARE_DATE.fullmatch(text) else text)
    if moment is None or _in(moment, UTC) is None:
        return None
    return moment.isoformat(timespec="seconds")


def page_date_parts(day: str, month: str, year: str, hour: str | None = None, minute: str | None = None) -> str | None:
    """A date a page prints in pieces ('28', '06' or 'июня', '2022', '11', '44'), as stored:
    Moscow time with the time of day, else a bare date; None when it is no real date."""
    month_number = int(month) if month.isdigit() else MONTHS_GENITIVE.get(month.lower())
    if not month_number or not (day.isdigit() and year.isdigit()) or len(year) != 4:
        return None
    day_text = f"{year}-{month_number:02d}-{int(day):02d}"
    if not _valid_day(day_text):
        return None
    if hour is None or minute is None or not (hour.isdigit() and minute.isdigit()) or int(hour) > 23 or int(minute) > 59:
        return day_text
    return f"{day_text}T{int(hour):02d}:{int(minute):02d}:00+03:00"


def parse_day(value: str, option: str) -> date:
    """A day given on the command line (YYYY-MM-DD); ValueError with a one-line message."""
    message = f"{option} must be a date like 2025-11-17, not {value!r}"
    if not isinstance(value, str) or not _BARE_DATE.fullmatch(value):
        raise ValueError(message)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(message) from None


def end_of_day_bound(day: date) -> str:
    """A text bound just above every stored date-time of `day` ('2026-04-14T23:59:59+03:00' <
    '2026-04-14~'), below the next day's; unlike the next day's date it exists for 9999-12-31."""
    return f"{day.isoformat()}~"


def http_delay(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return max(0.0, moment.timestamp() - now)


# A wire dateline: "МОСКВА, 10 декабря. /ТАСС/.", "10 декабря. /ТАСС/", "НЬЮ-ЙОРК, 26 сентября -
# РИА Новости", "Москва. 14 января. INTERFAX.RU -". It needs a city in capitals or an agency
# after the date, so "10 декабря" inside a sentence is no dateline. Excerpts often start with a
# site's navigation, so it is looked for in the first DATELINE_SEARCH_CHARS characters.
DATELINE_SEARCH_CHARS = 400
_DATELINE_AGENCY = r"(?:/[^/\n]{2,40}/|[-—–]\s*(?:РИА|ТАСС|Интерфакс|INTERFAX|Прайм|РБК|БЕЛТА|Sputnik|Спутник)|INTERFAX\.RU)"
_DATELINE_DATE = (
    r"(?P<day>\d{1,2})\s+(?P<month>" + "|".join(MONTHS_GENITIVE) + r")(?:\s+(?P<year>\d{4})(?:\s*(?:г\.|года))?)?"
)
_DATELINE_WITH_CITY = re.compile(
    r"(?:^|[\s|(])[А-ЯЁA-Z][А-ЯЁA-Z\- ]{1,40}[,.]\s*" + _DATELINE_DATE + r"\s*[.,]", re.MULTILINE
)
_DATELINE_WITH_AGENCY = re.compile(r"(?:^|[\s|])" + _DATELINE_DATE + r"\s*[.,]?\s*" + _DATELINE_AGENCY, re.IGNORECASE)


def dateline_date(text: str | None) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) of a wire dateline near the start of `text`, else None.

    Datelines usually give no year ("МОСКВА, 10 декабря. /ТАСС/."): it must come from other
    evidence (archive.link.docs). An impossible day (31 апреля) is no dateline.
    """
    if not text:
        return None
    head = text[:DATELINE_SEARCH_CHARS]
    found = [m for m in (_DATELINE_WITH_CITY.search(head), _DATELINE_WITH_AGENCY.search(head)) if m]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    month, day = MONTHS_GENITIVE[match.group("month").lower()], int(match.group("day"))
    year = int(match.group("year")) if match.group("year") else None
    if not _valid_day(f"{year or 2000:04d}-{month:02d}-{day:02d}"):  # 2000: a leap year, so 29 February passes
        return None
    return year, month, day


def moscow_day(value: str) -> str | None:
    """The day (YYYY-MM-DD) in Moscow of a stored date-time."""
    moment = _in(parse_datetime(value), MOSCOW)
    return moment.date().isoformat() if moment else None


def dateline_day_before(dateline: int, fetched: str | None) -> str | None:
    """The day of a year-less dateline (month * 100 + day) in the year the fetch time gives: the
    last such day on or before the day after fetching (a page is not published after it was
    fetched; a day's slack for time zones). None when the fetch time is unknown."""
    moment = _in(parse_datetime(fetched), MOSCOW)
    if moment is None:
        return None
    month, day = divmod(dateline, 100)
    latest = moment.date() + timedelta(days=1)
    for year in range(latest.year, latest.year - 8, -1):  # 29 February comes back within 8 years
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate <= latest:
            return candidate.isoformat()
    return None
