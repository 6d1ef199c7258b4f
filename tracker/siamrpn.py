"""SiamRPN++ inference (Li et al. 2019, pysot's tracker): anchors on a 25x25 map, scale/ratio change penalty,
cosine window, and a size update whose learning rate is the penalised confidence.

Crops are continuous (no integer rounding of the crop size as in pysot); the template crop side is
``sqrt((w + p)(h + p))`` with ``p = context (w + h)`` and the search crop ``instance/exemplar`` times larger.
"""
from dataclasses import dataclass, field

import numpy as np

from core.boxes import box_to_center, center_to_box
from core.errors import TrackingError
from tracker.anchors import decode, flatten_head, generate_anchors
from tracker.base import TrackState
from tracker.geometry import context_side, cosine_window
from tracker.siamese import SiameseConfig, SiameseTracker, logistic


@dataclass
class SiamRPNConfig(SiameseConfig):
    """The ``tracker:`` section of a SiamRPN++ config (defaults: pysot's)."""

    anchor_stride: int = 8
    anchor_ratios: list[float] = field(default_factory=lambda: [0.33, 0.5, 1.0, 2.0, 3.0])
    anchor_scales: list[float] = field(default_factory=lambda: [8.0])
    penalty_k: float = 0.04
    window_influence: float = 0.44
    lr: float = 0.4
    min_size: float = 10.0


#: bound on predicted log size changes: an untrained or diverged head can output deltas in the hundreds, whose
#: exponential overflows; e^6 (400x an anchor) already exceeds any image, and the size is clipped to the image
LOG_SIZE_LIMIT = 6.0

#: pysot measures size changes by the padded side with a fixed 0.5 margin, whatever the crop's context
PENALTY_CONTEXT = 0.5


def _change(r):
    return np.maximum(r, 1.0 / r)


class SiamRPNTracker(SiameseTracker):
    Config = SiamRPNConfig
    kind = "siamrpn"

    def __init__(self, model, cfg: SiamRPNConfig | None = None, device="cpu", name: str = "siamrpnpp",
                 where: str = "tracker"):
        super().__init__(model, cfg, device, name, where)
        k = len(self.cfg.anchor_ratios) * len(self.cfg.anchor_scales)
        self.anchor_num = self.network.facts["anchor_num"]
        if k != self.anchor_num:
            raise TrackingError(f"{where}: {len(self.cfg.anchor_ratios)} anchor ratios x "
                                f"{len(self.cfg.anchor_scales)} scales = {k} anchors, but the model has "
                                f"{self.anchor_num} (model.anchors)")
        if not 0 <= self.cfg.window_influence <= 1 or not 0 <= self.cfg.lr <= 1:
            raise TrackingError(f"{where}: window_influence and lr must lie in [0, 1]")
        self.anchors = self.window = None

    def initialize(self, image, box):
        self.center, self.size = box_to_center(box)
        z_side = context_side(self.size, self.cfg.context)
        self.template = self.network.run("template", self.crops(image, self.center, [z_side], self.cfg.exemplar_size))
        self.image_size = np.array([image.shape[1], image.shape[0]], dtype=np.float64)

    def _prepare(self, score_size: int):
        """Anchors and window for the model's score map size (25 for the standard geometry)."""
        cfg = self.cfg
        self.anchors = generate_anchors(cfg.anchor_stride, cfg.anchor_ratios, cfg.anchor_scales, score_size)
        k = len(self.anchors) // (score_size * score_size)
        # pysot blends probabilities with a Hann window peaking at 1 (SiamFC's window sums to 1 instead); a
        # sum-1 window here would weigh the motion prior about 150 times too little
        window = cosine_window(score_size)
        self.window = np.tile((window / window.max()).reshape(-1), k)

    def step(self, image) -> TrackState:
        cfg = self.cfg
        net = self.network
        z_side = context_side(self.size, cfg.context)
        scale_z = cfg.exemplar_size / z_side
        xf = net.run("search", self.crops(image, self.center, [self.search_side(z_side)], cfg.instance_size))
        cls, loc = (net.numpy(v) for v in net.run("head", *self.template, *xf))
        if self.anchors is None or len(self.anchors) != cls.shape[1] // 2 * cls.shape[2] * cls.shape[3]:
            self._prepare(cls.shape[-1])
        logits, deltas = flatten_head(cls[0], loc[0], self.anchor_num)
        score = logistic(logits[:, 1] - logits[:, 0])  # the softmax foreground probability
        deltas = np.column_stack([deltas[:, :2], np.clip(deltas[:, 2:], -LOG_SIZE_LIMIT, LOG_SIZE_LIMIT)])
        boxes = decode(deltas, self.anchors)

        w, h = self.size * scale_z  # the current size in search-crop pixels
        scale_change = _change(context_side((boxes[:, 2], boxes[:, 3]), PENALTY_CONTEXT)
                               / context_side((w, h), PENALTY_CONTEXT))
        ratio_change = _change((w / h) / (boxes[:, 2] / boxes[:, 3]))
        penalty = np.exp(-(ratio_change * scale_change - 1) * cfg.penalty_k)
        pscore = penalty * score
        pscore = pscore * (1 - cfg.window_influence) + self.window * cfg.window_influence
        best = int(np.argmax(pscore))

        box = boxes[best] / scale_z
        lr = penalty[best] * score[best] * cfg.lr
        center = self.center + box[:2]
        size = self.size * (1 - lr) + box[2:] * lr
        self.center = np.clip(center, 0, self.image_size)
        self.size = np.clip(size, cfg.min_size, self.image_size)
        return TrackState(box=center_to_box(self.center, self.size), score=float(score[best]))
