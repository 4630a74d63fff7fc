"""Opening hours of a shop: the stored form, "open now", and the schema.org and OSM exports.

The stored form is plain JSON (the shop keeps it next to an IANA ``time_zone``)::

    {"weekly": [{"day": 1, "opens": "09:00", "closes": "12:30"}, ...],
     "special": [{"from": "2026-12-24", "to": "2026-12-26", "closed": false,
                  "intervals": [{"opens": "09:00", "closes": "12:00"}],
                  "reason": {"de": "Weihnachten"}}]}

``{}`` means "no hours known", which is not the same as ``{"weekly": [], "special": []}``
("closed at all times"). The rules, chosen once and used by every function here (the tests'
oracle states them again independently):

* Times are wall-clock times in the shop's zone. ``closes`` at or before ``opens`` runs into the
  next day; ``24:00`` is midnight at the end of the day; ``opens == closes`` is 24 hours.
* An interval belongs to the day it starts on. Special days replace the weekly hours of every
  date they cover, but never cut short an interval that started the day before (the Saturday
  bar open 22:00–02:00 is open at 01:00 on a Sunday holiday); their own overnight intervals
  likewise run into the following day.
* A wall-clock time stands for the first instant at which the shop's clock shows that time or
  a later one. So a time the clocks skip (02:30 when Berlin jumps from 02:00 to 03:00) is the
  moment of the jump, an interval lying wholly in the skipped hour never opens, and a time that
  occurs twice (the night the clocks go back) is its first occurrence: 01:00–03:00 that night
  lasts three real hours.

docs/opening-hours.md explains the rules and the OSM subset for editors and integrators.
"""

from tours.opening_hours.exports import to_osm, to_schema_org, to_schema_org_special
from tours.opening_hours.osm_import import (
    InvalidOsmDate,
    OsmImport,
    OsmNote,
    UnsupportedOsmSyntax,
    parse_osm,
    read_osm,
)
from tours.opening_hours.status import OpeningStatus, status_at, wall_time_instant
from tours.opening_hours.stored import (
    ClosedWithTimes,
    InvalidDate,
    InvalidTime,
    InvalidWeekday,
    MalformedEntry,
    MissingTimes,
    NotAFlag,
    NotOpeningHours,
    OverlappingDays,
    OverlappingTimes,
    ReversedDates,
    TooManyDays,
    TooManyEntries,
    UnknownKey,
    UnknownTimeZone,
    clean_opening_hours,
    clean_time_zone,
)

__all__ = [
    "ClosedWithTimes", "InvalidDate", "InvalidOsmDate", "InvalidTime", "InvalidWeekday",
    "MalformedEntry", "MissingTimes", "NotAFlag", "NotOpeningHours", "OpeningStatus",
    "OsmImport", "OsmNote", "OverlappingDays", "OverlappingTimes", "ReversedDates",
    "TooManyDays", "TooManyEntries", "UnknownKey", "UnknownTimeZone", "UnsupportedOsmSyntax",
    "clean_opening_hours", "clean_time_zone", "parse_osm", "read_osm", "status_at",
    "to_osm", "to_schema_org", "to_schema_org_special", "wall_time_instant",
]
