"""Training checkpoints: everything needed to continue a run exactly, written atomically, loaded safely.

Why only tensors and plain types: ``torch.load(weights_only=True)`` refuses arbitrary pickled objects, so a
checkpoint from an untrusted source cannot run code. NumPy's and Python's RNG states are therefore stored as a
tensor plus numbers rather than as the objects their ``getstate`` returns. Why atomic: a run killed while saving
must leave the previous checkpoint intact (temporary file in the same folder, then ``os.replace``).
"""
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch

from core.errors import TrackingError

CHECKPOINT_NAME = "checkpoint.pt"
FORMAT = 1


def rng_state() -> dict:
    """The global RNG states of torch (CPU and CUDA), NumPy and Python as tensors and plain values."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    version, py_state, gauss_next = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy_keys": torch.from_numpy(keys.astype(np.int64)),
        "numpy_pos": int(pos),
        "numpy_has_gauss": int(has_gauss),
        "numpy_cached": float(cached),
        "python_version": int(version),
        "python_state": torch.tensor(py_state, dtype=torch.int64),
        "python_gauss": gauss_next,
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`rng_state` saved (CUDA states only when this machine has the same devices)."""
    torch.set_rng_state(state["torch"])
    np.random.set_state(("MT19937", state["numpy_keys"].numpy().astype(np.uint32), state["numpy_pos"],
                         state["numpy_has_gauss"], state["numpy_cached"]))
    random.setstate((state["python_version"], tuple(int(v) for v in state["python_state"].tolist()),
                     state["python_gauss"]))
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(path, *, model, optimizer, scheduler, scaler, step: int, epoch: int, config: dict,
                    extra: dict = None) -> Path:
    """Write a checkpoint atomically; returns its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "scaler": scaler.state_dict(),
        "rng": rng_state(),
        "step": int(step),
        "epoch": int(epoch),
        "config": config,
        "extra": extra or {},
    }
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            torch.save(payload, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def load_checkpoint(path, map_location="cpu") -> dict:
    """Read a checkpoint with ``weights_only=True``; an unreadable or foreign file is a :class:`TrackingError`."""
    path = Path(path)
    if not path.is_file():
        raise TrackingError(f"{path}: checkpoint not found (nothing to resume)")
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # corrupt file, or one holding objects we refuse to unpickle
        raise TrackingError(f"{path}: not a loadable training checkpoint ({type(err).__name__}: {err})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise TrackingError(f"{path}: not a training checkpoint of format {FORMAT}")
    return payload


def restore(payload: dict, *, model, optimizer, scheduler, scaler) -> None:
    """Put a loaded checkpoint's states back into live objects (and the global RNGs)."""
    try:
        model.load_state_dict(payload["model"])
    except RuntimeError as err:
        raise TrackingError(f"checkpoint does not fit this model (was the model: section changed?): {err}") from None
    optimizer.load_state_dict(payload["optimizer"])
    scheduler.load_state_dict(payload["scheduler"])
    scaler.load_state_dict(payload["scaler"])
    set_rng_state(payload["rng"])
