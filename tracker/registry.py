"""One registry of tracker names shared by every tool: ``--tracker NAME`` or ``--tracker path/to/config.yaml``.

Each name maps to either a YAML config under ``configs/`` (a Siamese tracker, built by
:func:`tracker.builder.build_from_config`, optionally with a shipped checkpoint) or a factory function
``module:function`` (the OpenCV baselines). Imports are lazy so that listing names costs nothing.

Whether a tracker is trained is decided here and nowhere else (:func:`untrained`): a learned tracker runs with
randomly initialised weights unless its entry ships a checkpoint or the user gives ``--checkpoint``, and a tool
that would silently report a random network's results as a tracker's refuses it (:func:`require_trained`)
unless the user opts in with ``--random-weights``. A name may be registered before its model is trained (the
weights are committed after the training run): until its weights file is in the checkout it counts as untrained,
and the refusal names the missing file.
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
    # IEN with copies drawn from C4 together with scale (issue 16); its weights are trained separately, so a
    # checkout may lack them: building it then says so in one line, and --builtin skips it
    "siamfc_ien_rs": Entry("configs/siamfc_ien_rs.yaml", "weights/siamfc_ien_rs.safetensors"),
    # the DCF trackers (issue 12): one DCFNet-style network, trained with and without IEN (weights/MODEL_CARD.md)
    "dcf_ien": Entry("configs/dcf_ien.yaml", "weights/dcf_ien.safetensors"),
    "dcf_base": Entry("configs/dcf_ien.yaml", "weights/dcf_base.safetensors"),  # train.mode plain
    "dcf_rotaug": Entry("configs/dcf_ien.yaml", "weights/dcf_rotaug.safetensors"),  # train.mode rotaug
    # the SiamRPN trackers (issue 16): one AlexNet RPN network, trained with and without IEN; registered before
    # their weights are trained and committed (untrained until the files exist)
    "siamrpn_ien": Entry("configs/siamrpn_ien.yaml", "weights/siamrpn_ien.safetensors"),
    "siamrpn_base": Entry("configs/siamrpn_ien.yaml", "weights/siamrpn_base.safetensors"),  # train.mode plain
    "siamrpn_rotaug": Entry("configs/siamrpn_ien.yaml", "weights/siamrpn_rotaug.safetensors"),  # train.mode rotaug
    "csrt": Entry("tracker.opencv_baselines:make_csrt"),
    "kcf": Entry("tracker.opencv_baselines:make_kcf"),
    "mil": Entry("tracker.opencv_baselines:make_mil"),
}


#: what a result folder's name gets when the tracker ran with random weights (--random-weights)
RANDOM_SUFFIX = "-random"


def available() -> list:
    return sorted(TRACKERS)


def shipped_weights(entry: Entry) -> Optional[Path]:
    """The entry's shipped weights file, or None when it names none or the file is not in this checkout."""
    if entry.checkpoint is None:
        return None
    path = REPO_ROOT / entry.checkpoint
    return path if path.is_file() else None


def trained_names() -> list:
    """The registered names that come with trained weights (an entry whose weights file is present)."""
    return sorted(name for name, entry in TRACKERS.items() if shipped_weights(entry) is not None)


def _entry(spec: str) -> Optional[Entry]:
    """The registered entry of ``spec``; ``None`` for a config file path or an ONNX export folder; unknown names
    raise the error that lists the valid ones."""
    if spec in TRACKERS:
        return TRACKERS[spec]
    if Path(spec).suffix in (".yaml", ".yml") or _export_manifest(spec) is not None:
        return None
    raise TrackingError(f"unknown tracker {spec!r}; valid names: {', '.join(available())} (or a .yaml config)")


def weights_kind(spec: str, checkpoint: Optional[str] = None) -> str:
    """What ``spec`` would track with: ``"none"`` (an OpenCV baseline: nothing learned), ``"trained"`` (its shipped
    weights or ``checkpoint``) or ``"random"`` (a learned tracker, registered without shipped weights or with
    their file missing, or given as a config file, and no ``checkpoint``: randomly initialised)."""
    entry = _entry(spec)
    if entry is not None and ":" in entry.target:
        return "none"
    manifest = _export_manifest(spec)
    if manifest is not None:  # tools/export_onnx.py records whether it exported random weights
        return "random" if manifest.get("source", {}).get("random_weights") else "trained"
    if checkpoint is not None or (entry is not None and shipped_weights(entry) is not None):
        return "trained"
    return "random"


def _export_manifest(spec: str) -> Optional[dict]:
    """The manifest of an ONNX export folder (tools/export_onnx.py), or None when ``spec`` is not one."""
    from tracker.onnx_network import is_export, read_manifest

    return read_manifest(spec) if is_export(spec) else None


def untrained(spec: str, checkpoint: Optional[str] = None) -> bool:
    """True when ``spec`` is a learned tracker that would run with randomly initialised weights."""
    return weights_kind(spec, checkpoint) == "random"


def require_trained(spec: str, checkpoint: Optional[str] = None, random_weights: bool = False) -> bool:
    """Refuse a tracker without trained weights unless the user opted in with ``random_weights``
    (``--random-weights``); returns whether the run uses random weights, so the caller can say so (and name
    its results with :data:`RANDOM_SUFFIX`). Tools call this before building the tracker."""
    if not untrained(spec, checkpoint):
        return False
    if not random_weights:
        entry = TRACKERS.get(spec)
        missing = f" ({entry.checkpoint} is not in this checkout)" if entry and entry.checkpoint else ""
        raise TrackingError(
            f"{spec} has no trained weights{missing} and would run with random ones; trained trackers: "
            f"{', '.join(trained_names())}; give trained weights with --checkpoint PATH, or add --random-weights "
            "to run it untrained anyway")
    return True


def require_trained_all(specs, checkpoint: Optional[str] = None, random_weights: bool = False) -> list:
    """:func:`require_trained` for each of ``specs`` (one flag per spec); ``random_weights`` that none of them
    needs is refused too, so that asking for random weights never silently runs trained ones."""
    flags = [require_trained(spec, checkpoint, random_weights) for spec in specs]
    if random_weights and not any(flags):
        raise TrackingError(f"--random-weights: no tracker here lacks trained weights ({', '.join(specs)}); "
                            "drop --random-weights")
    return flags


def build_tracker(spec: str, checkpoint: Optional[str] = None, device: str = "cpu", backend: str = "torch",
                  threads: Optional[int] = None, overrides=()):
    """Build a tracker from a registered name or a config file path.

    ``checkpoint`` overrides a name's shipped weights; without either, a learned tracker has random weights (the
    tools refuse that first, :func:`require_trained`); ``overrides`` (``tracker.KEY=VALUE``, ``--set``) change its
    ``tracker:`` settings (:func:`tracker.builder.build_from_config`). Unknown names raise a
    :class:`TrackingError` that lists the valid ones. ``backend`` ``onnxruntime`` runs the network from ONNX files
    with ``threads`` threads per session (``spec`` may then also be a folder of tools/export_onnx.py; see
    :func:`tracker.onnx_network.build_with_backend`).
    """
    if backend != "torch":
        if overrides:
            raise TrackingError("--set needs --backend torch (an ONNX export fixes the tracker's settings)")
        from tracker.onnx_network import build_with_backend

        return build_with_backend(spec, checkpoint, device, backend, threads)
    entry = _entry(spec)
    if entry is not None:
        if ":" in entry.target:
            if checkpoint is not None or overrides:
                raise TrackingError(f"--tracker {spec} takes no checkpoint or --set (it has no learned weights "
                                    "and no config)")
            module, func = entry.target.split(":")
            return getattr(importlib.import_module(module), func)()
        shipped = shipped_weights(entry)
        ckpt = checkpoint or (str(shipped) if shipped else None)
        return _build_from_config(REPO_ROOT / entry.target, ckpt, device, spec, overrides)
    path = Path(spec)
    if not path.is_file():
        raise TrackingError(f"{spec}: tracker config file not found")
    return _build_from_config(path, checkpoint, device, path.stem, overrides)


def _build_from_config(path, checkpoint, device, name, overrides):
    from tracker.builder import build_from_config

    return build_from_config(path, checkpoint=checkpoint, device=device, name=name, overrides=overrides)


def build_inputs(spec: str, checkpoint: Optional[str] = None) -> tuple:
    """The files ``spec`` is built from, ``(config, weights)`` (either ``None``: an OpenCV baseline has neither,
    an untrained tracker no weights), so that cached results can be keyed by their contents."""
    entry = _entry(spec)
    if entry is None:
        return Path(spec), Path(checkpoint) if checkpoint else None
    if ":" in entry.target:
        return None, None
    return REPO_ROOT / entry.target, Path(checkpoint) if checkpoint else shipped_weights(entry)
