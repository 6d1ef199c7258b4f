"""What SiamFC and SiamRPN++ share: the crop part of their ``tracker:`` section, the network behind the
:class:`tracker.network.Network` parts (PyTorch or onnxruntime), polygon initialisation, and crops padded with the
first frame's mean colour. No PyTorch at module level: the onnxruntime backend runs these trackers without it."""
from dataclasses import dataclass

import numpy as np

from core.errors import TrackingError
from tracker.base import CropTracker
from tracker.geometry import square_crop
from tracker.network import PARTS, attach_network


@dataclass
class SiameseConfig:
    """The crop geometry every Siamese tracker's ``tracker:`` section has (SiamFC's and pysot's defaults agree):
    template and search crop sizes in pixels, and the context margin around the target (``context_side``)."""

    exemplar_size: int = 127
    instance_size: int = 255
    context: float = 0.5


def logistic(v):
    """``1 / (1 + e^-v)`` without overflow for large negative logits."""
    return 0.5 * (1.0 + np.tanh(0.5 * v))


class SiameseTracker(CropTracker):
    Config = SiameseConfig

    #: the model kind whose network this tracker runs
    kind = "siamese"

    def __init__(self, model, cfg: SiameseConfig | None = None, device="cpu", name: str = "siamese",
                 where: str = "tracker"):
        """``model``: a torch Siamese model (run on ``device``; kept as ``self.model``) or an already built
        :class:`Network` such as exported files in onnxruntime sessions (``self.model`` is then None)."""
        super().__init__()
        self.cfg = cfg or self.Config()
        if self.cfg.exemplar_size < 1 or self.cfg.instance_size <= self.cfg.exemplar_size:
            raise TrackingError(f"{where}: need instance_size > exemplar_size >= 1, got {self.cfg.instance_size} "
                                f"and {self.cfg.exemplar_size}")
        self.network, self.model = attach_network(model, self.cfg, self.kind, device, where)
        self.name = name

    @staticmethod
    def required_parts(facts: dict) -> tuple:
        """The network parts an export of this tracker must hold."""
        return PARTS

    def search_side(self, template_side: float) -> float:
        """Side in image pixels of the search region for a template region of ``template_side`` pixels: both
        crops share one image-to-crop scale."""
        return template_side * self.cfg.instance_size / self.cfg.exemplar_size

    def crops(self, image, center, sides, out_size: int) -> np.ndarray:
        """``(len(sides), out_size, out_size, 3)`` uint8 crops, the input of the network's crop parts."""
        return np.stack([square_crop(image, center, side, out_size, self.pad_color) for side in sides])
