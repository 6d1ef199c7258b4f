"""Typed configuration: YAML files parsed into dataclasses, unknown keys rejected, overrides by ``key=value``.

Why: configs are passed down as values (no global config object), and a misspelt key must be an error that
lists the valid keys rather than a silently ignored setting.
"""
import dataclasses
import typing
from pathlib import Path

import yaml

from core.errors import TrackingError


def load_yaml(path) -> dict:
    """Read a YAML mapping; a missing file or a non-mapping top level is a :class:`TrackingError`."""
    path = Path(path)
    if not path.is_file():
        raise TrackingError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise TrackingError(f"{path}: not valid YAML: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TrackingError(f"{path}: expected a mapping of keys at the top level")
    return data


def from_dict(cls, data, where: str = "config"):
    """Build dataclass ``cls`` from a mapping, recursing into nested dataclass fields.

    Unknown keys raise a :class:`TrackingError` naming ``where`` and listing the valid keys. Values are checked
    loosely against the annotation (numbers, strings, booleans, lists), enough to catch a list given for a number.
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TrackingError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise TrackingError(f"{where}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(fields))}")
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, value in data.items():
        kwargs[name] = _convert(hints[name], value, f"{where}.{name}")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise TrackingError(f"{where}: {err}") from None


def _convert(hint, value, where):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where)
    if origin is typing.Union or (origin is not None and str(origin) == "<class 'types.UnionType'>"):
        if value is None and type(None) in args:
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, where)
            except TrackingError:
                continue
        raise TrackingError(f"{where}: {value!r} does not fit {hint}")
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise TrackingError(f"{where}: expected a list, got {value!r}")
        inner = args[0] if args else typing.Any
        items = [_convert(inner, v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise TrackingError(f"{where}: expected a mapping, got {value!r}")
        return dict(value)
    if hint is float:
        if isinstance(value, str):  # YAML 1.1 reads "1e-3" (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TrackingError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TrackingError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise TrackingError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise TrackingError(f"{where}: expected a string, got {value!r}")
        return value
    return value


def apply_overrides(data: dict, overrides, where: str = "--set") -> dict:
    """Apply ``a.b.c=value`` overrides (value parsed as YAML) to a nested mapping, returning a new mapping. A
    numeric part indexes a list (``data.sources.4.exclude=[...]``: the fifth source's exclusions)."""
    import copy

    data = copy.deepcopy(data)
    for item in overrides or ():
        if "=" not in item:
            raise TrackingError(f"{where}: expected key=value, got {item!r}")
        key, raw = item.split("=", 1)
        value = yaml.safe_load(raw)
        node = data
        parts = key.strip().split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise TrackingError(f"{where}: {key}: {part!r} is not an index of a list of {len(node)}")
                if last:
                    node[int(part)] = value
                else:
                    node = node[int(part)]
            elif isinstance(node, dict):
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, {})
            else:
                raise TrackingError(f"{where}: {key} goes through a non-mapping value")
    return data


def to_dict(obj) -> dict:
    """A dataclass config as a plain mapping (for checkpoints and logs)."""
    return dataclasses.asdict(obj)
