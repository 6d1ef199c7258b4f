"""SiamRPN++ inference (Li et al. 2019, pysot's tracker): anchors on a 25x25 map, scale/ratio change penalty,
cosine window, and a size update whose learning rate is the penalised confidence.

Crops are continuous (no integer rounding of the crop size as in pysot); the template crop side is
``sqrt((w + p)(h + p))`` with ``p = context (w + h)`` and the search crop ``instance/exemplar`` times larger.

Rotation search (``rotation.enabled``, IEN models): as in the SiamFC tracker, the template part returns the
template features turned by every step (tracker/template_rotation.py), each frame the head runs with the steps
around the last one (tracker/rotation.py), and the proposal with the best penalised score over all of them wins.
The regression gives axis-aligned boxes, which a quarter turn maps to axis-aligned boxes with width and height
swapped; so the search turns by quarter turns only (order 2 or 4), the tracker keeps the target's own (upright)
size, and it compares and updates it through the swap of the tried turn.
"""
from dataclasses import dataclass, field

import numpy as np

from core.boxes import box_to_center, center_to_box
from core.errors import TrackingError
from tracker.anchors import decode, flatten_head, generate_anchors
from tracker.base import TrackState
from tracker.geometry import context_side, cosine_window
from tracker.rotation import RotationConfig, TurnedTemplates, turned_state
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
    rotation: RotationConfig = field(default_factory=RotationConfig)


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
        order = int(self.network.facts["rotation_order"])
        if 4 % order:
            raise TrackingError(f"{where}.rotation.order: the RPN regresses axis-aligned boxes, so it searches "
                                f"quarter turns only (order 2 or 4), got {order}")
        self.rotation = TurnedTemplates(order, self.cfg.rotation, f"{where}.rotation")
        self.anchors = self.window = None

    def initialize(self, image, box):
        #: the target's own size (width, height) as it stood upright in the first frame
        self.center, self.size = box_to_center(box)
        z_side = context_side(self.size, self.cfg.context)
        self.rotation.start(self.network.run("template", self.crops(image, self.center, [z_side],
                                                                    self.cfg.exemplar_size)))
        self.image_size = np.array([image.shape[1], image.shape[0]], dtype=np.float64)

    def _on_screen(self, size, k: int) -> np.ndarray:
        """``size`` (width, height) of a target turned by rotation step ``k``, in image axes: swapped by an odd
        number of quarter turns. The swap is its own inverse, so it also takes image axes back to the target's."""
        odd = self.rotation.steps is not None and round(self.rotation.steps.angle(k) / 90) % 2
        return np.asarray(size, dtype=np.float64)[::-1] if odd else np.asarray(size, dtype=np.float64)

    def _prepare(self, score_size: int):
        """Anchors and window for the model's score map size (25 for the standard geometry)."""
        cfg = self.cfg
        self.anchors = generate_anchors(cfg.anchor_stride, cfg.anchor_ratios, cfg.anchor_scales, score_size)
        k = len(self.anchors) // (score_size * score_size)
        # pysot blends probabilities with a Hann window peaking at 1 (SiamFC's window sums to 1 instead); a
        # sum-1 window here would weigh the motion prior about 150 times too little
        window = cosine_window(score_size)
        self.window = np.tile((window / window.max()).reshape(-1), k)

    def _proposals(self, out, size) -> tuple:
        """``(penalised scores, scores, penalties, boxes)`` of every anchor for one head output ``(cls, loc)``, the
        target's current size in search-crop pixels and image axes being ``size``."""
        cfg = self.cfg
        cls, loc = (self.network.numpy(v) for v in out)
        if self.anchors is None or len(self.anchors) != cls.shape[1] // 2 * cls.shape[2] * cls.shape[3]:
            self._prepare(cls.shape[-1])
        logits, deltas = flatten_head(cls[0], loc[0], self.anchor_num)
        score = logistic(logits[:, 1] - logits[:, 0])  # the softmax foreground probability
        deltas = np.column_stack([deltas[:, :2], np.clip(deltas[:, 2:], -LOG_SIZE_LIMIT, LOG_SIZE_LIMIT)])
        boxes = decode(deltas, self.anchors)

        w, h = size
        scale_change = _change(context_side((boxes[:, 2], boxes[:, 3]), PENALTY_CONTEXT)
                               / context_side((w, h), PENALTY_CONTEXT))
        ratio_change = _change((w / h) / (boxes[:, 2] / boxes[:, 3]))
        penalty = np.exp(-(ratio_change * scale_change - 1) * cfg.penalty_k)
        pscore = penalty * score
        pscore = pscore * (1 - cfg.window_influence) + self.window * cfg.window_influence
        return pscore, score, penalty, boxes

    def step(self, image) -> TrackState:
        cfg = self.cfg
        net = self.network
        z_side = context_side(self.size, cfg.context)
        scale_z = cfg.exemplar_size / z_side
        xf = net.run("search", self.crops(image, self.center, [self.search_side(z_side)], cfg.instance_size))
        steps = self.rotation.candidates()
        found = [self._proposals(net.run("head", *self.rotation.template(k), *xf), self._on_screen(self.size, k)
                                 * scale_z) for k in steps]
        chosen = int(np.argmax([pscore.max() for pscore, *_ in found]))
        pscore, score, penalty, boxes = found[chosen]
        best = int(np.argmax(pscore))

        box = boxes[best] / scale_z
        lr = penalty[best] * score[best] * cfg.lr
        k = steps[chosen]
        center = self.center + box[:2]
        size = self._on_screen(self.size, k) * (1 - lr) + box[2:] * lr
        self.center = np.clip(center, 0, self.image_size)
        self.size = self._on_screen(np.clip(size, cfg.min_size, self.image_size), k)
        angle = self.rotation.choose(k)
        if angle is None:
            return TrackState(box=center_to_box(self.center, self.size), score=float(score[best]))
        return turned_state(self.center, self.size, float(score[best]), angle)
