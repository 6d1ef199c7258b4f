"""Synthetic tracking sequences: a textured object turning, scaling and moving over a textured background.

Why: rotation is what IEN is about, and real data with known rotation is scarce; these sequences give exact
ground truth (the rotated outline, its angle and scale per frame), cost nothing to download, and are
deterministic from a seed, so the same sequences serve training, tests and the built-in benchmark.

A :class:`SyntheticSequence` is a :class:`~datasets.sequence.Sequence` whose frames are rendered on demand
(``frames`` holds pseudo names); :func:`write_otb_layout` writes one to disk like an OTB sequence. The object is
a rectangle, so its outline is exact: ``ground_truth`` holds the axis-aligned box of the rotated rectangle, and
``meta`` holds ``polygon`` (N, 8), ``angle`` (N,) in degrees counter-clockwise on screen (the :mod:`core.crop`
convention) and ``scale`` (N,) relative to the first frame.
"""
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import cv2
import numpy as np

from core.boxes import polygon_to_box
from core.crop import warp
from core.errors import TrackingError
from datasets.sequence import Sequence


@dataclass
class SyntheticConfig:
    """What a generated sequence may do. Ranges are drawn per sequence from its seed."""

    image_size: tuple[int, int] = (320, 240)  # width, height
    n_frames: int = 100
    object_side: tuple[float, float] = (36.0, 64.0)  # range of the object's longer side in the first frame, px
    max_aspect: float = 1.8  # longer / shorter side of the object, drawn in [1, max_aspect]
    rotation_speed: tuple[float, float] = (1.0, 4.0)  # range of |mean rotation speed|, degrees per frame
    initial_angle: float = 180.0  # max |angle| of the first frame, degrees (0: the first box is tight)
    scale_change: float = 1.5  # the object's scale swings within [1/s, s] times its first size
    translation: float = 1.0  # fraction of the free room in the frame the object's path may use

    def __post_init__(self):
        w, h = self.image_size
        if w < 32 or h < 32:
            raise TrackingError(f"synthetic.image_size: expected at least 32x32 pixels, got {w}x{h}")
        if self.n_frames < 1:
            raise TrackingError(f"synthetic.n_frames: expected at least 1, got {self.n_frames}")
        if self.scale_change < 1.0 or self.max_aspect < 1.0:
            raise TrackingError("synthetic.scale_change and synthetic.max_aspect: expected values >= 1")


@dataclass
class SyntheticSequence(Sequence):
    """A generated sequence; ``image(i)`` renders frame ``i`` (BGR uint8) from the seed, nothing is stored."""

    seed: int = 0
    texture_size: tuple = (0, 0)  # object texture width, height (its size at the largest scale)
    placements: Optional[np.ndarray] = None  # (N, 2, 3) texture-to-frame matrices
    _textures: Optional[tuple] = field(default=None, repr=False, compare=False)

    def image(self, index: int) -> np.ndarray:
        """Frame ``index``: the background with the object blended in, computed only around the object."""
        background, texture = self._rendered_textures()
        w, h = self.image_size
        outline = self.meta["polygon"][index].reshape(4, 2)
        x0, y0 = np.maximum(np.floor(outline.min(axis=0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(outline.max(axis=0)).astype(int) + 1, (w, h))
        out = background.copy()
        if x1 <= x0 or y1 <= y0:
            return out
        matrix = self.placements[index].copy()
        matrix[:, 2] -= (x0, y0)  # the same placement, into the region's own pixels
        layer = warp(texture, matrix, (x1 - x0, y1 - y0), pad_color=(0, 0, 0, 0)).astype(np.float32)
        alpha = layer[..., 3:] * (1.0 / 255.0)
        region = background[y0:y1, x0:x1].astype(np.float32)
        out[y0:y1, x0:x1] = (region + (layer[..., :3] - region) * alpha + 0.5).astype(np.uint8)
        return out

    def background(self) -> np.ndarray:
        """The frame without the object (for checks that find the object's pixels)."""
        return self._rendered_textures()[0].copy()

    def _rendered_textures(self):
        """``(background BGR, object texture BGRA)``, uint8, made once per sequence."""
        if self._textures is None:
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, 1]))
            background = _background(rng, self.image_size)
            texture = _object_texture(rng, self.texture_size, float(np.mean(cv2.mean(background)[:3])))
            self._textures = (background, texture)
        return self._textures


def make_sequence(seed: int, cfg: SyntheticConfig = SyntheticConfig(), name: Optional[str] = None) -> SyntheticSequence:
    """The sequence of ``seed`` under ``cfg``: same seed and config, same frames and ground truth."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    width, height = cfg.image_size
    n = cfg.n_frames
    t = np.arange(n, dtype=np.float64)

    aspect = rng.uniform(1.0, cfg.max_aspect)
    long_side = rng.uniform(*cfg.object_side)
    size = np.array([long_side, long_side / aspect])
    if rng.random() < 0.5:
        size = size[::-1]
    # the object must fit anywhere on its path at its largest: shrink it if the frame is too small
    fit = 0.45 * min(width, height) / (0.5 * np.hypot(*size) * cfg.scale_change)
    size = size * min(1.0, fit)

    speed = rng.uniform(*cfg.rotation_speed) * rng.choice([-1.0, 1.0])
    wobble = rng.uniform(0.0, 10.0) * np.sin(2 * np.pi * t / rng.uniform(40, 120) + rng.uniform(0, 2 * np.pi))
    angle = rng.uniform(-1.0, 1.0) * cfg.initial_angle + speed * t + wobble - wobble[0]

    # starts at 1 (phase 0 or pi), growing or shrinking first, within [1/s, s]
    phase = rng.choice([0.0, np.pi])
    scale = np.exp(np.log(cfg.scale_change) * np.sin(2 * np.pi * t / rng.uniform(0.5 * n, 2.0 * n) + phase))
    scale_max = scale.max()

    radius = 0.5 * np.hypot(*size) * scale_max  # the object's reach from its centre, at its largest
    room = np.maximum(np.array([width, height]) / 2.0 - radius - 2.0, 0.0) * cfg.translation
    start = rng.uniform(-0.6, 0.6, size=2)
    periods = rng.uniform(0.5 * n, 2.0 * n, size=2) + 20.0
    path = np.sin(2 * np.pi * t[:, None] / periods + np.arcsin(start)) * room
    center = np.array([width, height]) / 2.0 + path

    tex_size = np.maximum(np.round(size * scale_max).astype(int), 4)
    placements = placement_matrices(tex_size, center, scale / scale_max, angle)
    corners = np.array([[0, 0], [tex_size[0], 0], [tex_size[0], tex_size[1]], [0, tex_size[1]]], dtype=np.float64)
    polygons = (np.einsum("nij,kj->nki", placements[:, :, :2], corners) + placements[:, None, :, 2]).reshape(n, 8)

    name = name or f"synthetic_{seed:04d}"
    return SyntheticSequence(
        name=name,
        frames=[f"synthetic:{name}/{i + 1:04d}" for i in range(n)],
        ground_truth=polygon_to_box(polygons),
        attributes=["rotation", "scale_variation"],
        meta={"polygon": polygons, "angle": angle, "scale": scale, "seed": seed},
        _image_size=(width, height),
        seed=seed,
        texture_size=(int(tex_size[0]), int(tex_size[1])),
        placements=placements,
    )


def synthetic_benchmark(n_sequences: int = 10, n_frames: int = 120, seed: int = 0) -> list:
    """The fixed built-in benchmark: sequences starting upright (tight first box), turning 1-4 degrees per
    frame, scaling within 1.5x and moving across a 320x240 textured background without distractors."""
    cfg = SyntheticConfig(n_frames=n_frames, initial_angle=0.0)
    return [make_sequence(sequence_seed(seed, k), cfg, name=f"synthetic_{k:02d}") for k in range(n_sequences)]


def sequence_seed(seed: int, k: int) -> int:
    """The seed of sequence ``k`` of a family seeded by ``seed`` (well mixed, so neighbouring families differ)."""
    return int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def write_otb_layout(seq: Sequence, root) -> Path:
    """Write ``seq`` as an OTB sequence: ``root/<name>/img/0001.jpg ...`` and ``groundtruth_rect.txt``
    (comma separated, 1-based as OTB files are). Returns the sequence folder."""
    folder = Path(root) / seq.name
    (folder / "img").mkdir(parents=True, exist_ok=True)
    for i in range(len(seq)):
        path = folder / "img" / f"{i + 1:04d}.jpg"
        if not cv2.imwrite(str(path), seq.image(i), [cv2.IMWRITE_JPEG_QUALITY, 95]):
            raise TrackingError(f"{path}: cannot write image")
    rows = np.asarray(seq.boxes, dtype=np.float64).copy()
    rows[:, :2] += 1.0
    tmp = folder / "groundtruth_rect.txt.tmp"
    tmp.write_text("".join(",".join(f"{v:.2f}" for v in row) + "\n" for row in rows))
    tmp.replace(folder / "groundtruth_rect.txt")
    return folder


def placement_matrices(tex_size, centers, scales, angles) -> np.ndarray:
    """Texture-to-frame matrices ``(N, 2, 3)``: the texture's centre at ``centers[i]``, scaled by ``scales[i]``
    and turned by ``angles[i]`` degrees counter-clockwise on screen. Vectorised over frames; the same matrix as
    ``core.crop.crop_matrix(texture centre, 1 / scale, 1, angle)`` moved to the centre (checked in the tests),
    so the angle convention is the project's."""
    t = np.deg2rad(np.asarray(angles, dtype=np.float64))
    s = np.asarray(scales, dtype=np.float64)
    lin = s[:, None, None] * np.stack([np.stack([np.cos(t), np.sin(t)], -1), np.stack([-np.sin(t), np.cos(t)], -1)], 1)
    tex_centre = np.asarray(tex_size, dtype=np.float64) / 2.0
    offset = np.asarray(centers, dtype=np.float64) - lin @ tex_centre
    return np.concatenate([lin, offset[:, :, None]], axis=2)


def _smooth_noise(rng, shape_hw, cells: int, channels: int) -> np.ndarray:
    """Value noise: a random ``cells``-wide grid upsampled smoothly to ``shape_hw``, in [0, 1]."""
    h, w = shape_hw
    gh, gw = max(2, int(round(cells * h / max(h, w)))), max(2, cells)
    grid = rng.random((gh, gw, channels)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC).reshape(h, w, channels)


def _background(rng, image_size) -> np.ndarray:
    """Muted multi-scale texture around a random colour: structured enough to track against, no object-like
    shapes (distractor-free). Made at half resolution and upsampled once (its finest detail is 8 pixels).
    BGR uint8."""
    w, h = image_size
    half = (max(h // 2, 2), max(w // 2, 2))
    base = rng.uniform(60, 190, size=3).astype(np.float32)
    tex = sum(amp * (_smooth_noise(rng, half, cells, 3) - 0.5) for cells, amp in ((4, 70.0), (12, 40.0), (40, 20.0)))
    small = np.clip(base + tex + 0.5, 0, 255).astype(np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def _object_texture(rng, tex_size, background_level: float) -> np.ndarray:
    """A saturated, asymmetric pattern (so its rotation is visible) with a border that contrasts with the
    background's mean level (so the outline is always visible), BGRA uint8."""
    w, h = tex_size
    tex = np.empty((h, w, 3), dtype=np.uint8)
    tex[:] = rng.integers(0, 256, size=3)
    for _ in range(int(rng.integers(3, 7))):
        colour = tuple(int(v) for v in rng.integers(0, 256, size=3))
        kind = rng.integers(3)
        p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        if kind == 0:
            cv2.rectangle(tex, p1, (int(rng.integers(0, w)), int(rng.integers(0, h))), colour, -1)
        elif kind == 1:
            cv2.circle(tex, p1, int(rng.integers(2, max(3, min(w, h) // 3))), colour, -1)
        else:
            cv2.line(tex, p1, (int(rng.integers(0, w)), int(rng.integers(0, h))), colour, max(1, min(w, h) // 10))
    tex = np.clip(tex.astype(np.float32) + 60.0 * (_smooth_noise(rng, (h, w), 6, 3) - 0.5), 0, 255).astype(np.uint8)
    border = max(2, min(w, h) // 16)
    edge = rng.integers(0, 40, size=3) if background_level > 128 else rng.integers(215, 256, size=3)
    cv2.rectangle(tex, (0, 0), (w - 1, h - 1), tuple(int(v) for v in edge), border)
    alpha = np.full((h, w, 1), 255, dtype=np.uint8)
    return np.concatenate([tex, alpha], axis=2)
