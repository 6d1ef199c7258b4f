"""One registry of tracker names shared by every tool: ``--tracker NAME`` or ``--tracker path/to/config.yaml``.

Each name maps to either a YAML config under ``configs/`` (a Siamese tracker, built by
:func:`tracker.builder.build_from_config`, optionally with a shipped checkpoint) or a factory function
``module:function`` (the OpenCV baselines). Imports are lazy so that listing names costs nothing.
"""
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from core.errors import TrackingError

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Entry:
    target: str  # "configs/x.yaml" (relative to the repository root) or "module:function"
    checkpoint: Optional[str] = None  # shipped weights, relative to the repository root


TRACKERS = {
    "siamfc": Entry("configs/siamfc_alexnet.yaml"),
    "siamrpnpp": Entry("configs/siamrpnpp_resnet18.yaml"),
    "siamrpnpp_r50": Entry("configs/siamrpnpp_resnet50.yaml"),
    # the shipped trained trackers (weights/MODEL_CARD.md): one network, trained with and without IEN
    "siamfc_ien": Entry("configs/siamfc_ien.yaml", "weights/siamfc_ien.safetensors"),
    "siamfc_base": Entry("configs/siamfc_ien.yaml", "weights/siamfc_base.safetensors"),  # train.mode plain
    "siamfc_rotaug": Entry("configs/siamfc_ien.yaml", "weights/siamfc_rotaug.safetensors"),  # train.mode rotaug
    "siamfc_ien_hetero": Entry("configs/siamfc_ien_hetero.yaml", "weights/siamfc_ien_hetero.safetensors"),
    "csrt": Entry("tracker.opencv_baselines:make_csrt"),
    "kcf": Entry("tracker.opencv_baselines:make_kcf"),
    "mil": Entry("tracker.opencv_baselines:make_mil"),
}


def available() -> list:
    return sorted(TRACKERS)


def build_tracker(spec: str, checkpoint: Optional[str] = None, device: str = "cpu", backend: str = "torch",
                  threads: Optional[int] = None):
    """Build a tracker from a registered name or a config file path.

    ``checkpoint`` overrides a name's shipped weights. Unknown names raise a :class:`TrackingError` that lists
    the valid ones. ``backend`` ``onnxruntime`` runs the network from ONNX files with ``threads`` threads per
    session (``spec`` may then also be a folder of tools/export_onnx.py; see
    :func:`tracker.onnx_network.build_with_backend`).
    """
    if backend != "torch":
        from tracker.onnx_network import build_with_backend

        return build_with_backend(spec, checkpoint, device, backend, threads)
    if spec in TRACKERS:
        entry = TRACKERS[spec]
        if ":" in entry.target:
            if checkpoint is not None:
                raise TrackingError(f"--tracker {spec} takes no checkpoint (it has no learned weights)")
            module, func = entry.target.split(":")
            return getattr(importlib.import_module(module), func)()
        ckpt = checkpoint or (str(REPO_ROOT / entry.checkpoint) if entry.checkpoint else None)
        return _build_from_config(REPO_ROOT / entry.target, ckpt, device, name=spec)
    path = Path(spec)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise TrackingError(f"{spec}: tracker config file not found")
        return _build_from_config(path, checkpoint, device, name=path.stem)
    raise TrackingError(f"unknown tracker {spec!r}; valid names: {', '.join(available())} (or a .yaml config)")


def _build_from_config(path, checkpoint, device, name):
    from tracker.builder import build_from_config

    return build_from_config(path, checkpoint=checkpoint, device=device, name=name)
