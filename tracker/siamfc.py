"""SiamFC inference (Bertinetto et al. 2016): exhaustive search by cross-correlation over 3 scales.

Per frame: crop the search region at ``scale_num`` scales around the last centre (one batched forward pass;
with ``scale_pyramid: features`` only the middle scale is cropped and encoded, and the other scales' features are
that map zoomed about its centre, see tracker/torch_graphs.py), correlate with the template features cached at ``init``, upsample each response x16 (bicubic), penalise the
non-central scales, pick the scale with the highest peak, mix its normalised response with a cosine window,
and move the centre to the peak (kept inside the image, so a lost tracker still reports a box in the frame). The
size follows the chosen scale with a learning rate and stays within ``[min_scale, max_scale]`` times its initial
value.
"""
from dataclasses import dataclass, field

import cv2
import numpy as np

from core.boxes import box_to_center, center_to_box
from core.errors import TrackingError
from tracker.base import TrackState
from tracker.geometry import context_side, cosine_window
from tracker.rotation import RotationConfig, TurnedTemplates, turned_state
from tracker.scale_search import ScaleSearch
from tracker.siamese import SiameseConfig, SiameseTracker, logistic


#: how the search features of the tried scales are made: one crop per scale, or one crop's features zoomed
SCALE_PYRAMIDS = ("crops", "features")


@dataclass
class SiamFCConfig(SiameseConfig):
    """The ``tracker:`` section of a SiamFC config (defaults: the SiamFC paper's)."""

    scale_num: int = 3
    scale_step: float = 1.0375
    scale_penalty: float = 0.9745
    scale_lr: float = 0.59
    window_influence: float = 0.176
    response_up: int = 16
    min_scale: float = 0.2
    max_scale: float = 5.0
    scale_pyramid: str = "crops"  # crops: re-crop and encode every scale; features: zoom one crop's features
    rotation: RotationConfig = field(default_factory=RotationConfig)


def _check(cfg: SiamFCConfig, where: str):
    if not 0 <= cfg.window_influence <= 1:
        raise TrackingError(f"{where}.window_influence: must lie in [0, 1], got {cfg.window_influence}")
    if cfg.response_up < 1:
        raise TrackingError(f"{where}.response_up: expected >= 1, got {cfg.response_up}")
    if cfg.scale_pyramid not in SCALE_PYRAMIDS:
        raise TrackingError(f"{where}.scale_pyramid: expected one of {', '.join(SCALE_PYRAMIDS)}, "
                            f"got {cfg.scale_pyramid!r}")


class SiamFCTracker(SiameseTracker):
    Config = SiamFCConfig
    kind = "siamfc"

    def __init__(self, model, cfg: SiamFCConfig | None = None, device="cpu", name: str = "siamfc",
                 where: str = "tracker"):
        _check(cfg or self.Config(), where)
        super().__init__(model, cfg, device, name, where)
        #: the network's template part returns one template per rotation step (``rotation_order`` of them)
        self.rotation = TurnedTemplates(self.network.facts["rotation_order"], self.cfg.rotation, f"{where}.rotation")
        self.scales = ScaleSearch(self.cfg, where)

    def initialize(self, image, box):
        self.center, self.base_size = box_to_center(box)
        self.scale = 1.0
        self.base_z = context_side(self.base_size, self.cfg.context)
        z = self.crops(image, self.center, [self.base_z], self.cfg.exemplar_size)
        self.rotation.start(self.network.run("template", z))  # (rotation steps, C, h, w)
        self.window = None

    @property
    def size(self) -> np.ndarray:
        return self.base_size * self.scale

    def step(self, image) -> TrackState:
        cfg = self.cfg
        net = self.network
        x_side = self.search_side(self.base_z * self.scale)
        sides = [x_side] if cfg.scale_pyramid == "features" else x_side * self.scales.factors
        xf = net.run("search", self.crops(image, self.center, sides, cfg.instance_size))
        steps = self.rotation.candidates()
        raw = np.concatenate([net.numpy(net.run("head", *self.rotation.template(k), *xf)[0]) for k in steps])[:, 0]
        up = cfg.response_up * raw.shape[-1]
        maps = np.stack([cv2.resize(r, (up, up), interpolation=cv2.INTER_CUBIC) for r in raw])
        penalties = np.tile(self.scales.penalties, len(steps))
        best = int(np.argmax(maps.reshape(len(maps), -1).max(axis=1) * penalties))
        rot_index, scale_id = divmod(best, cfg.scale_num)
        peak = float(raw[best].max())

        response = maps[best] - maps[best].min()
        response /= response.sum() + 1e-16
        if self.window is None or self.window.shape[0] != up:
            self.window = cosine_window(up)
        response = (1 - cfg.window_influence) * response + cfg.window_influence * self.window
        row, col = np.unravel_index(int(np.argmax(response)), response.shape)
        # peak offset from the response centre -> search-crop pixels -> image pixels
        disp = (np.array([col, row], dtype=np.float64) - (up - 1) / 2) * net.facts["total_stride"] / cfg.response_up
        moved = self.center + disp * x_side * self.scales.factors[scale_id] / cfg.instance_size
        self.center = np.clip(moved, 0, [image.shape[1], image.shape[0]])
        self.scale = self.scales.follow(self.scale, scale_id)
        score = logistic(peak)
        angle = self.rotation.choose(steps[rot_index])
        if angle is None:
            return TrackState(box=center_to_box(self.center, self.size), score=score)
        return turned_state(self.center, self.size, score, angle)
