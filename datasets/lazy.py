"""A Sequence that reads its frames and annotations on first use.

Why: GOT-10k's train split has 10,000 sequences and LaSOT's sequences have thousands of frames each; reading
every annotation file and listing every image folder just to enumerate a split takes minutes on a cold disk.
A :class:`LazySequence` knows its name at once and loads the rest the first time anything else is asked of it
(then keeps it). Bad files therefore raise their :class:`~core.errors.TrackingError` at that first use.

The loader is a picklable callable (a module-level function or ``functools.partial`` of one), so lazy
sequences can go to DataLoader worker processes before or after loading.
"""
from datasets.sequence import Sequence


def _loaded_attribute(attribute):
    return property(lambda self: getattr(self.load(), attribute), doc=f"``{attribute}`` of the loaded sequence")


class LazySequence(Sequence):
    """A :class:`Sequence` named ``name`` whose contents come from ``loader()`` (a Sequence) when first used."""

    def __init__(self, name, loader, image_size=None):
        self.name = name
        self._loader = loader
        self._contents = None
        self._image_size = image_size

    def load(self) -> Sequence:
        """The loaded sequence (read now if not yet)."""
        if self._contents is None:
            self._contents = self._loader()
        return self._contents

    @property
    def is_loaded(self) -> bool:
        return self._contents is not None

    frames = _loaded_attribute("frames")
    ground_truth = _loaded_attribute("ground_truth")
    flags = _loaded_attribute("flags")
    tags = _loaded_attribute("tags")
    attributes = _loaded_attribute("attributes")
    meta = _loaded_attribute("meta")

    @property
    def image_size(self) -> tuple:
        """``(width, height)``: known without loading when the listing gave it, else from the loaded sequence."""
        return self._image_size or self.load().image_size

    def __repr__(self) -> str:
        state = f"{len(self)} frames" if self.is_loaded else "not loaded"
        return f"LazySequence({self.name!r}, {state})"
