"""Build a learned tracker (Siamese or DCF) from a config file: the ``model:`` section (models.builder) and the
``tracker:`` section (the tracker's hyper-parameters, whose dataclass depends on the model's kind). ``train:`` and
``data:`` belong to the trainer and are left alone here; any other top-level key is an error."""
from pathlib import Path

from core.config import apply_overrides, from_dict, load_yaml
from core.errors import TrackingError
from models.builder import ModelConfig, build_model
from models.weights import load_weights, read_state_dict
from tracker.kinds import TRACKERS_BY_KIND

SECTIONS = ("model", "tracker", "train", "data")


def build_from_dict(data: dict, where: str, checkpoint=None, device="cpu", name: str = "tracker"):
    """A tracker from an already loaded config mapping (``where`` names its source in error messages)."""
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise TrackingError(f"{where}: unknown section(s) {', '.join(unknown)}; valid: {', '.join(SECTIONS)}")
    if "model" not in data:
        raise TrackingError(f"{where}: missing the model: section")
    model_cfg = from_dict(ModelConfig, data["model"], f"{where}: model")
    model = build_model(model_cfg, where=f"{where}: model")
    if checkpoint is not None:
        load_weights(model, checkpoint)
    cls = TRACKERS_BY_KIND[model.kind]
    tracker_cfg = from_dict(cls.Config, data.get("tracker"), f"{where}: tracker")
    return cls(model, tracker_cfg, device=device, name=name, where=f"{where}: tracker")


def build_from_config(path, checkpoint=None, device="cpu", name=None, overrides=()):
    """The tracker a config file describes, with weights from ``checkpoint`` if given (else random).

    ``overrides`` are ``tracker.KEY=VALUE`` settings (``--set``, values read as YAML, the trainer's parser) applied
    to the ``tracker:`` section; a tracker built with them is named ``<name>+<settings>`` so its results never
    pass for the plain config's."""
    path = Path(path)
    data = apply_overrides(load_yaml(path), check_tracker_overrides(overrides))
    return build_from_dict(data, str(path), checkpoint, device, labelled(name or path.stem, overrides))


def check_tracker_overrides(overrides) -> list:
    """Only the ``tracker:`` section can change at test time: the model is fixed by its weights and ``train:`` /
    ``data:`` do not exist for a built tracker. Keys inside the section are checked by the config loader."""
    overrides = list(overrides or ())
    for item in overrides:
        if not item.partition("=")[0].strip().startswith("tracker."):
            raise TrackingError(f"--set {item}: expected tracker.KEY=VALUE (only the tracker: section can be "
                                "overridden for a built tracker)")
    return overrides


def labelled(name: str, overrides) -> str:
    """``name`` with its overrides appended (``dcf_ien+rotation.enabled=true``), path separators replaced."""
    if not overrides:
        return name
    settings = ",".join(item.strip()[len("tracker."):] for item in overrides)
    return f"{name}+{settings}".replace("/", "_").replace("\\", "_")


def build_from_checkpoint(path, device="cpu", name=None):
    """A tracker from a weights file alone: the trainer stores the ``model:`` and ``tracker:`` sections in the
    weights' metadata, so the file says which architecture it belongs to."""
    _, meta = read_state_dict(path)
    if not isinstance(meta.get("model"), dict):
        raise TrackingError(f"{path}: these weights carry no model config; give the config they belong to "
                            "with --tracker")
    sections = {key: meta[key] for key in ("model", "tracker") if key in meta}
    return build_from_dict(sections, f"{path} (metadata)", checkpoint=path, device=device,
                           name=name or Path(path).stem)
