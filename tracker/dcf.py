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
  (:class:`tracker.rotation.TemplateRotator`), turn the filter map spatially, then FFT: no extra forward pass.
  Exact for quarter turns of an equivariant network; other angles resample bilinearly (a floor on the error).
- ``reencode``: one online model per tried turn, each updated from the update patch cropped at that turn (one
  forward pass per turn at every update): exact for any network, at the price of the extra passes.
"""
from dataclasses import dataclass, field
from typing import Optional

import numpy as np
import torch

from core.boxes import box_to_center, center_to_box, polygon_to_area_box, polygon_to_box
from core.crop import crop_matrix, invert, transform_points, warp
from core.errors import TrackingError
from models.dcf import filter_response, solve_filter, spectrum
from models.preprocess import images_to_tensor
from tracker.base import Tracker, TrackState
from tracker.geometry import context_side, rotated_corners
from tracker.rotation import RotationConfig
from tracker.template_rotation import TemplateRotator

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


def _check(cfg: DCFConfig, where: str):
    if cfg.scale_num < 1 or cfg.scale_num % 2 == 0:
        raise TrackingError(f"{where}.scale_num: expected an odd number >= 1, got {cfg.scale_num}")
    if not 0 <= cfg.interp_factor <= 1 or not 0 <= cfg.scale_lr <= 1:
        raise TrackingError(f"{where}: interp_factor and scale_lr must lie in [0, 1]")
    if not 0 < cfg.min_scale <= 1 <= cfg.max_scale:
        raise TrackingError(f"{where}: need 0 < min_scale <= 1 <= max_scale")
    if cfg.context <= 0:
        raise TrackingError(f"{where}.context: must be > 0, got {cfg.context}")
    if cfg.rotation.method not in METHODS:
        raise TrackingError(f"{where}.rotation.method: expected one of {', '.join(METHODS)}, "
                            f"got {cfg.rotation.method!r}")
    if cfg.rotation.window < 0:
        raise TrackingError(f"{where}.rotation.window: must be >= 0, got {cfg.rotation.window}")


@dataclass
class OnlineModel:
    """DCFNet's online state: windowed template features ``(1, C, S, S)`` and the filter spectrum ``alpha^``."""

    feats: torch.Tensor
    alpha_hat: torch.Tensor

    def blend(self, new: "OnlineModel", rate: float) -> "OnlineModel":
        return OnlineModel((1 - rate) * self.feats + rate * new.feats,
                           (1 - rate) * self.alpha_hat + rate * new.alpha_hat)


class DCFTracker(Tracker):
    Config = DCFConfig

    def __init__(self, model, cfg: DCFConfig | None = None, device="cpu", name: str = "dcf",
                 where: str = "tracker"):
        super().__init__()
        self.cfg = cfg or DCFConfig()
        _check(self.cfg, where)
        if getattr(model, "kind", None) != "dcf":
            raise TrackingError(f"{where}: the DCF tracker needs a model of kind dcf")
        self.model = model.to(device).eval()
        self.device = torch.device(device)
        self.name = name
        self.size_px = model.crop_size
        rot = self.cfg.rotation
        self.rotation = rot.enabled
        self.rotator = None
        if rot.enabled and rot.method == "features":
            self.rotator = TemplateRotator(model, rot, f"{where}.rotation")
            self.order = self.rotator.steps.order
        elif rot.enabled:
            self.order = int(rot.order or 16)
            if self.order < 2:
                raise TrackingError(f"{where}.rotation.order: expected >= 2, got {self.order}")
        window = min(rot.window, self.order // 2) if rot.enabled else 0
        #: turns tried each frame, in steps of 360/order (0 first: ties keep the angle)
        self.turns = [0] + [d for k in range(1, window + 1) for d in (-k, k)]
        n = self.cfg.scale_num
        self.scale_factors = self.cfg.scale_step ** (np.arange(n) - n // 2)
        self.scale_penalties = np.where(np.arange(n) == n // 2, 1.0, self.cfg.scale_penalty)
        self.pad_color = None

    # ---- geometry ----
    def _matrix(self, center, side, angle):
        """Image -> crop map of a square region of ``side`` pixels, turned so that a target at ``angle`` degrees
        appears upright."""
        return crop_matrix(center, side, self.size_px, angle=-angle)

    def _crops(self, image, matrices) -> torch.Tensor:
        crops = [warp(image, m, self.size_px, self.pad_color) for m in matrices]
        return images_to_tensor(np.stack(crops), self.device)

    def _step_angle(self, turn: int) -> float:
        return 360.0 * turn / self.order if self.rotation else 0.0

    # ---- the online model ----
    def _fit(self, feats: torch.Tensor) -> OnlineModel:
        return OnlineModel(feats, solve_filter(spectrum(feats), self.model.label_hat, self.model.lam))

    def _encode(self, image, center, side, angles) -> list:
        x = self._crops(image, [self._matrix(center, side, a) for a in angles])
        feats = self.model.template(x)
        return [self._fit(feats[i:i + 1]) for i in range(len(angles))]

    def _turned(self, model: OnlineModel, turn: int) -> tuple:
        """(feature spectrum, filter spectrum) of the online model turned by ``turn`` steps."""
        if turn == 0 or self.rotator is None:
            return spectrum(model.feats), model.alpha_hat
        feats = self.rotator.rotate([model.feats], turn % self.order)[0]
        alpha = torch.fft.irfft2(model.alpha_hat, s=model.feats.shape[-2:], dim=(-2, -1))
        alpha = self.rotator.group.transform(alpha, turn % self.order)
        return spectrum(feats), spectrum(alpha)

    @torch.inference_mode()
    def initialize(self, image, box):
        self.center, self.base_size = box_to_center(box)
        self.scale, self.angle = 1.0, 0.0
        self.base_side = context_side(self.base_size, self.cfg.context)
        self._update_models(image, rate=None)

    def _update_models(self, image, rate: Optional[float]):
        """Fit the filter(s) on the patch at the current state; blend into the online model(s) (``rate`` None:
        start them)."""
        turns = self.turns if self.rotator is None and self.rotation else [0]
        # the patch for turn t shows the target turned by +t steps (cropped as if it stood at angle - t steps)
        angles = [self.angle - self._step_angle(t) for t in turns]
        fresh = dict(zip(turns, self._encode(image, self.center, self.base_side * self.scale, angles)))
        if rate is None:
            self.models = fresh
        else:
            self.models = {t: self.models[t].blend(fresh[t], rate) for t in turns}

    def init(self, image: np.ndarray, box) -> None:
        """Start on ``box`` (x, y, w, h) or on a polygon of 8 values (the axis-aligned box of the same centre and
        area, pysot's rule for VOT ground truth); the first frame's mean colour pads every later crop."""
        values = np.asarray(box, dtype=np.float64).reshape(-1)
        if values.size == 8:
            values = polygon_to_area_box(values)
        self.pad_color = image.reshape(-1, image.shape[-1]).mean(axis=0)
        super().init(image, values)

    @property
    def size(self) -> np.ndarray:
        return self.base_size * self.scale

    @torch.inference_mode()
    def step(self, image) -> TrackState:
        cfg = self.cfg
        sides = self.base_side * self.scale * self.scale_factors
        matrices = [self._matrix(self.center, side, self.angle) for side in sides]
        xf_hat = spectrum(self.model.search(self._crops(image, matrices)))
        size = xf_hat.shape[-2], self.size_px
        responses = []
        for turn in self.turns:
            zf_hat, alpha_hat = self._turned(self.models[turn if turn in self.models else 0], turn)
            responses.append(filter_response(xf_hat, zf_hat, alpha_hat, size)[:, 0])
        maps = torch.stack(responses).float().cpu().numpy()  # (turns, scales, S, S)
        peaks = maps.reshape(len(self.turns), cfg.scale_num, -1).max(axis=-1) * self.scale_penalties
        turn_index, scale_id = np.unravel_index(int(np.argmax(peaks)), peaks.shape)
        best = maps[turn_index, scale_id]
        row, col = np.unravel_index(int(np.argmax(best)), best.shape)
        peak_in_crop = np.array([[col + 0.5, row + 0.5]])
        moved = transform_points(invert(matrices[scale_id]), peak_in_crop)[0]
        self.center = np.clip(moved, 0, [image.shape[1], image.shape[0]])
        factor = self.scale_factors[scale_id]
        self.scale = float(np.clip(self.scale * ((1 - cfg.scale_lr) + cfg.scale_lr * factor),
                                   cfg.min_scale, cfg.max_scale))
        self.angle += self._step_angle(self.turns[turn_index])
        self._update_models(image, cfg.interp_factor)
        score = float(best[row, col])
        if not self.rotation:
            return TrackState(box=center_to_box(self.center, self.size), score=score)
        corners = rotated_corners(self.center, self.size, self.angle)
        return TrackState(box=polygon_to_box(corners.reshape(1, 8))[0], score=score, angle=self.angle,
                          corners=corners)
