"""Saving and loading model weights safely (safetensors, or ``torch.load(weights_only=True)``).

Saved files are safetensors with the metadata (e.g. the model config) stored as JSON in the header, so a
checkpoint says which architecture it belongs to. Loading accepts safetensors, or a torch file holding a plain
state dict (or one under ``"model"`` / ``"state_dict"``). Loading into a different architecture is a
:class:`TrackingError` naming the file and the mismatching parameters, never a silent partial load.
"""
import json
import re
from pathlib import Path

import torch
import torch.nn as nn
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from core.errors import TrackingError

_SHOW = 5  # mismatching names quoted in an error message


def save_weights(model: nn.Module, path, metadata: dict | None = None) -> None:
    """Write ``model``'s state dict (on the CPU) with JSON ``metadata`` to ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tmp = path.with_name(path.name + ".tmp")
    save_file(state, str(tmp), metadata={"metadata": json.dumps(metadata or {})})
    tmp.replace(path)


def read_state_dict(path) -> tuple:
    """``(state_dict, metadata)`` of a weights file; unreadable or unsafe files are a :class:`TrackingError`."""
    path = Path(path)
    if not path.is_file():
        raise TrackingError(f"{path}: weights file not found")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = json.loads((f.metadata() or {}).get("metadata", "{}"))
        return load_file(str(path)), meta
    except (SafetensorError, OSError, ValueError):
        pass  # not safetensors: try a torch file
    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for unreadable or unsafe pickles
        raise TrackingError(f"{path}: not a safetensors file nor a weights-only torch file"
                            f"{_unsafe_content(err)}") from None
    for key in ("model", "state_dict"):
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            return obj[key], obj.get("metadata", {}) if isinstance(obj.get("metadata"), dict) else {}
    if isinstance(obj, dict) and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj, {}
    raise TrackingError(f"{path}: expected a state dict of tensors")


def _unsafe_content(err: Exception) -> str:
    """``" (reason)"`` when ``torch.load`` refused the file for what it holds (an object that is not a tensor,
    an unsupported pickle operand), from the one line of torch's error that says so, rather than its paragraphs
    on how to bypass the weights-only check; ``""`` for other failures (not a torch file at all), whose
    messages (``pop from empty list``) would tell a user nothing."""
    reason = re.search(r"WeightsUnpickler error:\s*([^\n]+)", str(err))
    return f" ({reason.group(1).split(' was not an allowed global')[0].strip()})" if reason else ""


def _mismatches(expected: dict, given: dict, ignore_unexpected: bool) -> list:
    problems = [f"missing {k}" for k in expected if k not in given]
    if not ignore_unexpected:
        problems += [f"unexpected {k}" for k in given if k not in expected]
    problems += [f"{k}: shape {tuple(given[k].shape)} in file, {tuple(v.shape)} in model"
                 for k, v in expected.items() if k in given and tuple(given[k].shape) != tuple(v.shape)]
    return problems


def _load_into(module: nn.Module, state: dict, path, what: str, ignore_unexpected: bool) -> None:
    expected = module.state_dict()
    problems = _mismatches(expected, state, ignore_unexpected)
    if problems:
        more = f" (and {len(problems) - _SHOW} more)" if len(problems) > _SHOW else ""
        raise TrackingError(f"{path}: weights do not fit the {what} ({len(problems)} mismatches: "
                            f"{'; '.join(problems[:_SHOW])}{more})")
    module.load_state_dict({k: state[k] for k in expected}, strict=True)


def load_weights(model: nn.Module, path) -> dict:
    """Load a full-model checkpoint into ``model`` (every parameter must match); returns its metadata."""
    state, meta = read_state_dict(path)
    _load_into(model, state, path, "model architecture", ignore_unexpected=False)
    return meta


def load_backbone_weights(backbone: nn.Module, path) -> None:
    """Initialise a backbone from a weights file (keys optionally prefixed ``backbone.``); extra keys such as an
    ImageNet classifier are ignored, missing or mis-shaped backbone parameters are an error."""
    state, _ = read_state_dict(path)
    state = {k[len("backbone."):] if k.startswith("backbone.") else k: v for k, v in state.items()}
    _load_into(backbone, state, path, "backbone", ignore_unexpected=True)
