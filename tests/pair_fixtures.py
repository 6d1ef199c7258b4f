"""Small in-memory sequences for the pair tests: known images, known boxes, and a record of which frames were
read (so a test can see which frames a sampler chose)."""
from dataclasses import dataclass, field

import numpy as np

from datasets.sequence import Sequence


@dataclass
class RecordingSequence(Sequence):
    """Frames are uniform images of ``colour`` (BGR) with the target drawn as a white rectangle; every
    ``image(i)`` call is recorded in ``reads``."""

    colour: tuple = (60, 60, 60)
    reads: list = field(default_factory=list)

    def image(self, index: int) -> np.ndarray:
        self.reads.append(index)
        w, h = self.image_size
        img = np.empty((h, w, 3), dtype=np.uint8)
        img[:] = self.colour
        box = self.boxes[index]
        if np.isfinite(box).all():
            x, y, bw, bh = (int(round(v)) for v in box)
            img[max(y, 0):y + bh, max(x, 0):x + bw] = 255
        return img


def recording_sequence(name, boxes, image_size=(160, 120), colour=(60, 60, 60), **kwargs) -> RecordingSequence:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return RecordingSequence(name=name, frames=[f"{name}/{i:04d}" for i in range(len(boxes))], ground_truth=boxes,
                             _image_size=image_size, colour=colour, **kwargs)

