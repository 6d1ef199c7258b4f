"""The rotated benchmark: any benchmark's sequences with every frame turned a little more than the last.

Why: ordinary benchmarks hardly rotate their targets in the image plane, so they cannot show what a
rotation-equivariant backbone buys. In the spirit of Rot-OTB (the benchmark used by rotation-equivariant Siamese
trackers), the protocol makes in-plane rotation the dominant difficulty while keeping everything else of the
source benchmark (its frames, targets, attributes and ground truth) unchanged.

Protocol (``--rotate STEP`` in ``tools/test_tracker.py``):

- Frame ``i`` (0-based) is rotated about the image centre by ``i * STEP`` degrees, counter-clockwise as seen on
  screen, so frame 0 is unrotated and the angle grows by a fixed step per frame.
- Every rotated frame is drawn on a square canvas whose side is the source frame's diagonal, rounded up, with the
  source centre at the canvas centre. No content leaves the canvas at any angle; the uncovered corners are black.
  The canvas size comes from the first frame and is the same for the whole sequence.
- The ground truth is carried along exactly: the source box's corners (or the VOT polygon) go through the same
  affine matrix as the pixels, giving a rotated polygon per frame; its axis-aligned bounding box is the
  sequence's ``boxes``. Frames without a target (NaN) stay without one.
- One-pass metrics (success, precision) score the trackers' axis-aligned boxes against those bounding boxes, as
  on the source benchmark. Trackers that estimate rotation (``TrackState.corners`` set) are in addition scored on
  the rotated polygons with polygon IoU (``eval.onepass.polygon_success_auc``), reported separately; their
  polygons are written beside the boxes (``eval.results_io.write_polygons``).
- The angle error (:func:`angle_errors`) says how well a tracker follows the known turn: per frame the direction
  of its polygon's first edge (the box's top edge before rotation, as ``tracker.geometry.rotated_corners`` and
  ``core.boxes.box_to_polygon`` order corners) against ``i * STEP``, wrapped to [-180, 180]; a tracker without
  a rotation estimate reports upright boxes, angle 0.
- Frames are rendered on demand from the source images (bilinear sampling through ``core.crop``), so the
  benchmark needs no extra disk space.
"""
from dataclasses import dataclass

import numpy as np

from core.boxes import box_to_polygon
from core.crop import crop_matrix, transform_points, warp
from core.errors import TrackingError
from datasets.sequence import Sequence

#: colour of the canvas outside the rotated frame (BGR)
PAD_COLOR = (0, 0, 0)


@dataclass
class RotatedSequence(Sequence):
    """A :class:`Sequence` whose frame ``i`` is the source frame rotated by ``i * step`` degrees.

    ``frames`` are the source image paths (so an unreadable frame is reported by its real file);
    ``ground_truth`` holds the rotated ``(N, 8)`` polygons; ``source_size`` is the source ``(width, height)``.
    """

    step: float = 0.0
    source_size: tuple = (0, 0)

    @property
    def canvas(self) -> int:
        """Side of the square canvas: the source frame's diagonal, rounded up."""
        return canvas_side(self.source_size)

    def angle(self, index: int) -> float:
        return index * self.step

    def matrix(self, index: int) -> np.ndarray:
        """Affine map from source frame ``index`` to its rotated canvas."""
        return rotation_matrix(self.source_size, self.angle(index))

    def image(self, index: int) -> np.ndarray:
        return warp(super().image(index), self.matrix(index), self.canvas, pad_color=PAD_COLOR)


def canvas_side(source_size) -> int:
    w, h = source_size
    return int(np.ceil(np.hypot(w, h)))


def rotation_matrix(source_size, angle: float) -> np.ndarray:
    """Rotate by ``angle`` degrees about the centre of a ``(w, h)`` frame and centre it on the canvas."""
    w, h = source_size
    side = canvas_side(source_size)
    return crop_matrix((w / 2.0, h / 2.0), side, side, angle=angle)


def rotate_sequence(sequence: Sequence, step: float) -> RotatedSequence:
    """The rotated version of ``sequence`` with ``step`` degrees more rotation per frame."""
    if not np.isfinite(step):
        raise TrackingError(f"--rotate {step}: expected a finite number of degrees per frame")
    size = tuple(sequence.image_size)
    polygons = sequence.ground_truth if sequence.is_polygon else box_to_polygon(sequence.ground_truth)
    rotated = np.full((len(polygons), 8), np.nan)
    for i, polygon in enumerate(np.asarray(polygons, dtype=np.float64)):
        rotated[i] = transform_points(rotation_matrix(size, i * step), polygon.reshape(4, 2)).reshape(8)
    side = canvas_side(size)
    return RotatedSequence(
        name=sequence.name,
        frames=list(sequence.frames),
        ground_truth=rotated,
        flags=dict(sequence.flags),
        tags=dict(sequence.tags),
        attributes=list(sequence.attributes),
        meta=dict(sequence.meta),
        _image_size=(side, side),
        step=float(step),
        source_size=size,
    )


def rotated_dataset_name(dataset: str, step: float) -> str:
    """Folder name for a rotated benchmark's results, e.g. ``OTB100-rot1`` (kept apart from unrotated runs)."""
    return f"{dataset}-rot{step:g}"



def polygon_angles(polygons) -> np.ndarray:
    """Direction in degrees (counter-clockwise on screen, y pointing down) of each ``(N, 8)`` polygon's first
    edge, from its first corner to its second."""
    p = np.asarray(polygons, dtype=np.float64).reshape(-1, 8)
    return np.degrees(np.arctan2(-(p[:, 3] - p[:, 1]), p[:, 2] - p[:, 0]))


def wrap_degrees(angles) -> np.ndarray:
    """Angles wrapped to [-180, 180)."""
    return (np.asarray(angles, dtype=np.float64) + 180.0) % 360.0 - 180.0


def angle_errors(sequence: RotatedSequence, polygons) -> np.ndarray:
    """Absolute angle error in degrees per frame of a tracker's ``(N, 8)`` polygons on ``sequence`` against the
    turn of each frame (``sequence.angle(i)``); NaN on the first frame (the start, given) and on frames without a
    target (``sequence.valid``), so that a mean over the rest measures tracking alone."""
    truth = sequence.angle(np.arange(len(sequence)))
    errors = np.abs(wrap_degrees(polygon_angles(polygons) - truth))
    errors[0] = np.nan
    errors[~sequence.valid] = np.nan
    return errors
