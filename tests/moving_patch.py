"""Synthetic clips for tracker and demo tests: a textured patch sliding over a textured background, or turning by
quarter turns in place.

Why synthetic: the true box of every frame is known exactly, so tests can check that a tracker stays on the
target with real numbers, without depending on any annotation.
"""
import cv2
import numpy as np


def moving_patch_clip(n_frames=40, size=(160, 120), patch=(24, 24), start=(20.0, 40.0), step=(2.5, 1.0), seed=0):
    """Return ``(frames, boxes)``: ``n_frames`` BGR uint8 images of ``size`` (w, h) and the patch's true
    ``(n_frames, 4)`` boxes ``x, y, w, h`` (0-based, whole pixels so the patch is pasted without resampling)."""
    rng = np.random.default_rng(seed)
    width, height = size
    pw, ph = patch
    # Low-contrast, blurred background and a high-contrast blocky patch: the patch is the salient object.
    background = cv2.GaussianBlur(rng.integers(60, 140, (height, width, 3), dtype=np.uint8), (9, 9), 3)
    blocks = rng.integers(0, 256, (ph // 4, pw // 4, 3), dtype=np.uint8)
    texture = cv2.resize(blocks, (pw, ph), interpolation=cv2.INTER_NEAREST)
    last = (start[0] + step[0] * (n_frames - 1), start[1] + step[1] * (n_frames - 1))
    if min(start + last) < 0 or max(start[0], last[0]) + pw > width or max(start[1], last[1]) + ph > height:
        raise ValueError("the patch's path leaves the frame: choose another start, step or size")
    frames, boxes = [], []
    for i in range(n_frames):
        x, y = round(start[0] + step[0] * i), round(start[1] + step[1] * i)
        frame = background.copy()
        frame[y : y + ph, x : x + pw] = texture
        frames.append(frame)
        boxes.append([x, y, pw, ph])
    return frames, np.asarray(boxes, dtype=np.float64)


def turning_patch_frames(patch=(21, 21), drift: int = 0, block: int = 1) -> tuple:
    """``(frames, boxes)``: four frames of a textured ``patch`` (h, w) centred near (60, 60) on a dark random
    120x120 canvas, turned 90 degrees further each frame (``np.rot90`` turns counter-clockwise on screen, exact for
    C4) and moved ``drift`` px down per frame; ``boxes`` ``(4, 4)`` are the turned patch's ``x, y, w, h``. The
    texture is random colour in square blocks of ``block`` px (a network of stride 8 sees structure in blocks of 8,
    where per-pixel noise averages out)."""
    rng = np.random.default_rng(5)
    canvas = rng.integers(0, 60, (120, 120, 3), dtype=np.uint8)
    h, w = patch
    blocks = rng.integers(0, 255, (h // block, w // block, 3), dtype=np.uint8)
    texture = cv2.resize(blocks, (w, h), interpolation=cv2.INTER_NEAREST)
    frames, boxes = [], []
    for k in range(4):
        turned = np.rot90(texture, k)
        h, w = turned.shape[:2]
        top, left = 60 - h // 2 + k * drift, 60 - w // 2
        frame = canvas.copy()
        frame[top:top + h, left:left + w] = turned
        frames.append(frame)
        boxes.append([left, top, w, h])
    return frames, np.asarray(boxes, dtype=np.float64)


def centre_distance(boxes_a, boxes_b) -> np.ndarray:
    """Per-row distance in pixels between the centres of two ``(N, 4)`` box arrays."""
    a, b = np.asarray(boxes_a, dtype=np.float64), np.asarray(boxes_b, dtype=np.float64)
    return np.linalg.norm((a[:, :2] + a[:, 2:] / 2) - (b[:, :2] + b[:, 2:] / 2), axis=1)
