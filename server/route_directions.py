"""Route steps as sentences in the visitor's language ("Turn left towards Marktplatz, 40 m").

``tours.wayfinding`` decides each step's action; this module only words it. Distances are
rounded the way people say them: to 5 m below 100 m, to 10 m above (never 0 m).
"""

from __future__ import annotations

import math

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_babel.speaklater import LazyString

from tours.wayfinding import Step

#: sentences with a place and a distance, by action
WALK_SENTENCES: dict[str, LazyString] = {
    "head_north": _l("Head north towards %(place)s, %(distance)s"),
    "head_north_east": _l("Head north-east towards %(place)s, %(distance)s"),
    "head_east": _l("Head east towards %(place)s, %(distance)s"),
    "head_south_east": _l("Head south-east towards %(place)s, %(distance)s"),
    "head_south": _l("Head south towards %(place)s, %(distance)s"),
    "head_south_west": _l("Head south-west towards %(place)s, %(distance)s"),
    "head_west": _l("Head west towards %(place)s, %(distance)s"),
    "head_north_west": _l("Head north-west towards %(place)s, %(distance)s"),
    "straight": _l("Go straight on towards %(place)s, %(distance)s"),
    "slight_left": _l("Bear left towards %(place)s, %(distance)s"),
    "slight_right": _l("Bear right towards %(place)s, %(distance)s"),
    "left": _l("Turn left towards %(place)s, %(distance)s"),
    "right": _l("Turn right towards %(place)s, %(distance)s"),
    "around": _l("Turn around towards %(place)s, %(distance)s"),
    "door": _l("Go through the door to %(place)s, %(distance)s"),
    "take_stairs": _l("Take the stairs towards %(place)s, %(distance)s"),
    "take_escalator": _l("Take the escalator towards %(place)s"),
    "take_elevator": _l("Take the elevator towards %(place)s"),
}
#: sentences for a change of level, by action
LEVEL_SENTENCES: dict[str, LazyString] = {
    "level_elevator": _l("Take the elevator to level %(level)s"),
    "level_escalator": _l("Take the escalator to level %(level)s"),
    "level_stairs": _l("Take the stairs to level %(level)s"),
    "level_ramp": _l("Take the ramp to level %(level)s"),
}


def rounded_metres(length_m: float) -> int:
    """A length as people say it: to 5 m below 100 m, to 10 m from there; at least 5 m (0 m
    only for no way at all)."""
    if length_m <= 0:
        return 0
    step = 5 if length_m < 100 else 10
    # half-way rounds up (Python's round() would round 105 m down to the even 100 m)
    return max(5, step * math.floor(length_m / step + 0.5))


def distance_text(length_m: float) -> str:
    if length_m >= 1000:
        return _("%(n)s km", n=f"{length_m / 1000:.1f}")
    return _("%(n)s m", n=rounded_metres(length_m))


def minutes(seconds: float) -> int:
    """Whole minutes, rounded up (a route of 10 s still takes "1 min")."""
    return max(1, math.ceil(seconds / 60)) if seconds > 0 else 0


def duration_text(seconds: float) -> str:
    count = minutes(seconds)
    return ngettext("%(num)s minute", "%(num)s minutes", count)


def instruction(step: Step, place: str) -> str:
    """The step as one sentence; ``place`` is the next scene's title."""
    if step.to_level is not None and step.action in LEVEL_SENTENCES:
        return str(LEVEL_SENTENCES[step.action]) % {"level": step.to_level}
    sentence = WALK_SENTENCES.get(step.action) or WALK_SENTENCES["straight"]
    return str(sentence) % {"place": place, "distance": distance_text(step.length_m)}


def arrival(place: str) -> str:
    return _("You have arrived at %(place)s.", place=place)


def unreachable(place: str) -> str:
    return _("There is no way through the walk from here to %(place)s.", place=place)


def no_step_free_route(place: str) -> str:
    return _("There is no step-free route from here to %(place)s: every way there has stairs "
             "or an escalator, or its elevator is out of service.", place=place)
