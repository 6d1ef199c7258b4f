"""What SiamFC and SiamRPN++ share: the network on a device, polygon initialisation, crops padded with the
first frame's mean colour, and crops -> tensors."""
import numpy as np
import torch

from core.boxes import polygon_to_area_box
from models.preprocess import images_to_tensor
from tracker.base import Tracker
from tracker.geometry import square_crop


class SiameseTracker(Tracker):
    def __init__(self, model: torch.nn.Module, device="cpu", name: str = "siamese"):
        super().__init__()
        self.model = model.to(device).eval()
        self.device = torch.device(device)
        self.name = name
        self.pad_color = None

    def init(self, image: np.ndarray, box) -> None:
        """Start on ``box`` (x, y, w, h) or on a polygon of 8 values, which becomes the axis-aligned box of the
        same centre and area (pysot's rule for VOT ground truth)."""
        values = np.asarray(box, dtype=np.float64).reshape(-1)
        if values.size == 8:
            values = polygon_to_area_box(values)
        # The first frame's mean colour pads every later crop too (as SiamFC and pysot do): one mean per
        # sequence, not per frame.
        self.pad_color = image.reshape(-1, image.shape[-1]).mean(axis=0)
        super().init(image, values)

    def crops_to_tensor(self, image, center, sides, out_size: int) -> torch.Tensor:
        crops = [square_crop(image, center, side, out_size, self.pad_color) for side in sides]
        return images_to_tensor(np.stack(crops), self.device)
