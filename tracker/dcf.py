"""DCFNet-style tracking (Wang et al. 2017) with the learnt correlation-filter network of :mod:`models.dcf`.

Per frame: crop the search region at ``scale_num`` scales around the last centre, at the target's current angle
(one batched forward pass), respond to each with the online filter, penalise the non-central scales, and move the
centre to the highest peak. Then crop the update patch at the new state and blend its features and its filter
into the online model with one learning rate (``interp_factor``, DCFNet's ``model_zf`` / ``model_alphaf``).

Rotation search (``rotation.enabled``): the tracker keeps the target's angle and crops every patch turned by it,
so the target stays upright in the crops; each frame it also tries the filter turned by ``window`` steps of
``360/order`` degrees either way, and a turned filter that fits better turns the angle by its step. Two ways to
turn the filter (``rotation.method``):

- ``features``: turn the online model's windowed features spatially and roll each field's orientation channels
  (:class:`tracker.template_rotation.TemplateRotator`), and turn the filter map spatially: no extra forward pass.
  Exact for quarter turns of an equivariant network; other angles resample bilinearly (a floor on the error).
- ``reencode``: one online model per tried turn, each updated from the update patch cropped at that turn (one
  forward pass per turn at every update): exact for any network, at the price of the extra passes.

The network behind :class:`tracker.network.Network` (PyTorch or onnxruntime; parts in tracker/torch_graphs.py),
all arrays fixed-shape, ``S`` the crop side, ``C`` the feature channels, ``M`` online models (``len(turns)`` for
``reencode``, else 1), ``T = len(turns)``; an online model is four arrays, the spectra of its template features
``(M, C, S, H)`` and of its filter ``(M, 1, S, H)`` (``H = S // 2 + 1``, :func:`models.dcf.model_spectra`), each
as its real and imaginary part:

- ``update``: ``crops (M, S, S, 3) uint8`` -> the online model(s) those patches give (the FFT solve inside);
- ``turn`` (``features`` method only): the online model (``M = 1``) -> the model turned by each of ``turns``
  (``T`` models); the turns are constants of the graph, and quarter turns act on the spectra directly (a
  permutation of bins times a phase, :mod:`models.spectral_turn`), with no transform;
- ``locate``: ``crops (scale_num, S, S, 3) uint8`` and ``T`` online models -> responses ``(T, scale_num, S, S)``:
  the crops' windowed unit-energy features and the FFTs inside (:func:`models.dcf.filter_responses`), so the
  search features never leave the network.

Why spectra: blending is linear and so is the DFT, so blending spectra is blending the maps, and each frame then
transforms the search features only, not the online model as well. The online model lives in NumPy arrays:
blending and the geometry need no network library, so the tracker runs without PyTorch on the onnxruntime
backend. The network's ``facts``: ``crop_size``, ``rotation_order`` (1 without rotation search), ``turns`` (steps
tried each frame, 0 first) and ``turned_by`` (``features``, ``reencode`` or None).
"""
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from core.boxes import box_to_center, center_to_box
from core.crop import crop_matrix, invert, transform_points, warp
from core.errors import TrackingError
from tracker.base import CropTracker, TrackState
from tracker.geometry import context_side
from tracker.network import attach_network
from tracker.rotation import RotationConfig, turned_state
from tracker.scale_search import ScaleSearch

METHODS = ("features", "reencode")


@dataclass
class DCFRotationConfig(RotationConfig):
    """:class:`RotationConfig` plus ``method``: ``features`` or ``reencode`` (see the module docstring)."""

    method: str = "features"


@dataclass
class DCFConfig:
    """The ``tracker:`` section of a DCF config (DCFNet's defaults). ``context`` fixes the crop region as for the
    Siamese trackers and must match training; the crop side in pixels is the model's ``crop_size``."""

    context: float = 1.0
    interp_factor: float = 0.01
    scale_num: int = 3
    scale_step: float = 1.0275
    scale_penalty: float = 0.9925
    scale_lr: float = 0.59
    min_scale: float = 0.2
    max_scale: float = 5.0
    rotation: DCFRotationConfig = field(default_factory=DCFRotationConfig)


#: the angle step (360/order degrees) of ``reencode`` rotation search when ``rotation.order`` is not set (the
#: ``features`` method takes the network's largest group order, as the Siamese trackers do)
REENCODE_ORDER = 16
#: the parts every DCF network has (``turn`` as well where the online model is turned by its features)
DCF_PARTS = ("update", "locate")


def _check(cfg: DCFConfig, where: str):
    if not 0 <= cfg.interp_factor <= 1:
        raise TrackingError(f"{where}.interp_factor: must lie in [0, 1], got {cfg.interp_factor}")
    if cfg.context <= 0:
        raise TrackingError(f"{where}.context: must be > 0, got {cfg.context}")
    rot = cfg.rotation
    if rot.method not in METHODS:
        raise TrackingError(f"{where}.rotation.method: expected one of {', '.join(METHODS)}, got {rot.method!r}")
    if rot.window < 0:
        raise TrackingError(f"{where}.rotation.window: must be >= 0, got {rot.window}")
    if rot.enabled and rot.method == "reencode" and rot.order is not None and rot.order < 2:
        raise TrackingError(f"{where}.rotation.order: expected >= 2, got {rot.order}")


def search_turns(order: int, window: int) -> list:
    """Turns tried each frame, in steps of ``360/order`` degrees: 0 first (ties keep the angle), then ``-1, 1, -2,
    2, ...`` up to ``window`` (at most half a turn)."""
    window = min(window, order // 2)
    return [0] + [d for k in range(1, window + 1) for d in (-k, k)]


class DCFTracker(CropTracker):
    Config = DCFConfig
    kind = "dcf"

    def __init__(self, model, cfg: DCFConfig | None = None, device="cpu", name: str = "dcf",
                 where: str = "tracker"):
        """``model``: a torch DCF model (run on ``device``; kept as ``self.model``) or an already built
        :class:`tracker.network.Network` such as exported files in onnxruntime sessions (``self.model`` None)."""
        super().__init__()
        self.cfg = cfg or DCFConfig()
        _check(self.cfg, where)
        self.network, self.model = attach_network(model, self.cfg, self.kind, device, where)
        facts = self.network.facts
        self.name = name
        self.size_px = int(facts["crop_size"])
        self.rotation = self.cfg.rotation.enabled
        self.order = int(facts["rotation_order"])
        #: turns tried each frame (the ``turn`` part's or the online models' order); ``update_turns``: the turns
        #: whose patches update the online models (all of them for ``reencode``, else the upright one)
        self.turns = list(facts["turns"])
        self.turn_part = facts["turned_by"] == "features"
        self.update_turns = self.turns if facts["turned_by"] == "reencode" else [0]
        self.scales = ScaleSearch(self.cfg, where)

    @staticmethod
    def required_parts(facts: dict) -> tuple:
        """The network parts an export of this tracker must hold."""
        return DCF_PARTS + (("turn",) if facts.get("turned_by") == "features" else ())

    # ---- geometry ----
    def _matrix(self, center, side, angle):
        """Image -> crop map of a square region of ``side`` pixels, turned so that a target at ``angle`` degrees
        appears upright."""
        return crop_matrix(center, side, self.size_px, angle=-angle)

    def _crops(self, image, matrices) -> np.ndarray:
        return np.stack([warp(image, m, self.size_px, self.pad_color) for m in matrices])

    def _step_angle(self, turn: int) -> float:
        return 360.0 * turn / self.order if self.rotation else 0.0

    # ---- the online model ----
    def initialize(self, image, box):
        self.center, self.base_size = box_to_center(box)
        self.scale, self.angle = 1.0, 0.0
        self.base_side = context_side(self.base_size, self.cfg.context)
        self._update_models(image, rate=None)

    def _update_models(self, image, rate: Optional[float]):
        """Fit the filter(s) on the patch(es) at the current state and blend them into the online model(s)
        ``self.models`` (the four arrays of the module docstring; ``rate`` None: start them)."""
        # the patch for turn t shows the target turned by +t steps (cropped as if it stood at angle - t steps)
        side = self.base_side * self.scale
        crops = self._crops(image, [self._matrix(self.center, side, self.angle - self._step_angle(t))
                                    for t in self.update_turns])
        fresh = [self.network.numpy(v) for v in self.network.run("update", crops)]
        if rate is None:
            self.models = [v.copy() for v in fresh]  # owned: blended in place from now on
            return
        for online, new in zip(self.models, fresh):
            online *= 1 - rate
            online += rate * new

    def turned(self) -> tuple:
        """The online model(s) as the ``locate`` part takes them, one per tried turn (the ``turn`` part's output,
        or the reencoded models themselves)."""
        if self.turn_part:
            return self.network.run("turn", *self.models)
        return tuple(self.models)

    @property
    def size(self) -> np.ndarray:
        return self.base_size * self.scale

    def step(self, image) -> TrackState:
        cfg, net = self.cfg, self.network
        sides = self.base_side * self.scale * self.scales.factors
        matrices = [self._matrix(self.center, side, self.angle) for side in sides]
        maps = net.numpy(net.run("locate", self._crops(image, matrices), *self.turned())[0])  # (turns, scales, S, S)
        peaks = maps.reshape(len(self.turns), cfg.scale_num, -1).max(axis=-1) * self.scales.penalties
        turn_index, scale_id = np.unravel_index(int(np.argmax(peaks)), peaks.shape)
        best = maps[turn_index, scale_id]
        row, col = np.unravel_index(int(np.argmax(best)), best.shape)
        peak_in_crop = np.array([[col + 0.5, row + 0.5]])
        moved = transform_points(invert(matrices[scale_id]), peak_in_crop)[0]
        self.center = np.clip(moved, 0, [image.shape[1], image.shape[0]])
        self.scale = self.scales.follow(self.scale, scale_id)
        self.angle += self._step_angle(self.turns[turn_index])
        self._update_models(image, cfg.interp_factor)
        score = float(best[row, col])
        if not self.rotation:
            return TrackState(box=center_to_box(self.center, self.size), score=score)
        return turned_state(self.center, self.size, score, self.angle)
