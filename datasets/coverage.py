"""Which of a benchmark's sequences to load: requested names, aliases, and roots that hold only some of them.

A root holding part of a benchmark is normal during development (a few sequences copied to a laptop), so the
loaders load what is there and warn about the rest; ``strict=True`` (``--strict`` on the command lines) makes
a missing sequence an error, for runs whose numbers must cover the whole benchmark. A sequence the caller
names explicitly must exist: asking for it and silently getting nothing would be worse than an error.
"""
import re
import warnings

from core.errors import TrackingError


class MissingSequencesWarning(UserWarning):
    """Some of a benchmark's sequences are not under the given root; the rest were loaded."""


def name_key(name) -> str:
    """How names are compared: case-insensitive, with ``-``, ``_`` and ``.`` alike.

    So ``Jogging-1``, ``jogging_1`` and ``Jogging.1`` (the spellings of the OTB toolkit, of published result
    files and of the got10k package) all name one target.
    """
    return re.sub(r"[-_.]", "-", str(name).strip().lower())


def resolve_names(benchmark, requested, official, aliases=None) -> list:
    """The official spelling of each requested name; an unknown name is a :class:`TrackingError`."""
    keys = {name_key(n): n for n in official}
    keys.update({name_key(alias): target for alias, target in (aliases or {}).items()})
    resolved = []
    for name in requested:
        if name_key(name) not in keys:
            raise TrackingError(f"unknown sequence {name!r} in {benchmark}; expected one of: "
                                f"{', '.join(sorted(official, key=str.lower))}")
        resolved.append(keys[name_key(name)])
    return resolved


def select_present(benchmark, root, official, is_present, requested=None, strict=False, aliases=None) -> list:
    """The names to load, in order: the requested ones (all must be present) or every present official one.

    ``is_present(name)`` says whether the root holds a sequence. Missing official sequences give a
    :class:`MissingSequencesWarning` naming them, or a :class:`TrackingError` when ``strict``; a root with
    none of them is always an error.
    """
    if requested is not None:
        names = resolve_names(benchmark, requested, official, aliases)
        absent = [n for n in names if not is_present(n)]
        if absent:
            raise TrackingError(f"{root}: requested {benchmark} sequence(s) not found: {', '.join(absent)}")
        return names
    present = [n for n in official if is_present(n)]
    present_set = set(present)
    missing = [n for n in official if n not in present_set]
    if not present:
        raise TrackingError(f"{root}: no {benchmark} sequence found; expected sequence folders such as "
                            f"{', '.join(list(official)[:3])}")
    if missing:
        message = (f"{root}: {len(missing)} of {len(official)} {benchmark} sequences missing: "
                   f"{', '.join(missing)}")
        if strict:
            raise TrackingError(message + " (strict: all are required)")
        warnings.warn(message + f"; loading the {len(present)} present", MissingSequencesWarning, stacklevel=3)
    return present
