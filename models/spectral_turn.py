"""Quarter turns of ``S x S`` maps (``S`` odd) applied to their ``rfft2`` half-spectra directly, as real and
imaginary parts.

Why: the DCF tracker keeps its online model as spectra (:func:`models.dcf.model_spectra`), and rotation search
by features turns it by every tried turn each frame. Going back to maps, turning them and transforming again
costs two 2-D transforms per channel and turn; a quarter turn is instead a fixed permutation of the DFT bins
times a phase, so the turned spectrum is one gather and a few elementwise products (ONNX ``Gather``, ``Mul``,
``Add``: the same graph on PyTorch and onnxruntime), exact to float32 rounding.

Derivation, for the turn of :func:`models.equivariance.actions.make_group`'s ``C4`` (``torch.rot90(x, 1,
dims=(-2, -1))``: ``x'[i, j] = x[j, S-1-i]``) and ``X[u, v] = sum x[i, j] exp(-2 pi i (u i + v j) / S)``::

    X'[u, v] = sum_{a, b} x[a, b] exp(-2 pi i (u (S-1-b) + v a) / S) = exp(2 pi i u / S) X[v, -u mod S]

so ``k`` quarter turns read bin ``src_k[u, v]`` times ``exp(2 pi i m_k[u, v] / S)``, with ``src_0`` the identity,
``m_0 = 0`` and ``src_{k+1}[u, v] = src_k[v, -u]``, ``m_{k+1}[u, v] = u + m_k[v, -u]`` (integers, so the phases
are computed once in float64). The half-spectrum holds columns ``0..S//2``; a bin of a column above reads its
conjugate-symmetric twin, ``X[r, c] = conj(X[-r mod S, S-c])`` (a real map's spectrum; no Nyquist column at odd
``S``).
"""
import math

import torch


class SpectralQuarterTurn:
    """Quarter turns of the half-spectra ``(..., S, S//2+1)`` of real ``S x S`` maps, ``S`` odd.

    Per turn ``k`` in 1..3, four constant tables: the flat index of each output bin's source bin, and the real
    coefficients that give ``out = phase * (source or its conjugate)`` from the source's real part ``a`` and
    imaginary part ``b``: ``out_re = cos * a - s sin * b``, ``out_im = sin * a + s cos * b`` (``s = -1`` where
    the source is read through conjugate symmetry, else 1)."""

    def __init__(self, size: int, device="cpu"):
        if size % 2 == 0:
            raise ValueError(f"SpectralQuarterTurn takes odd sides, got {size}")
        half = size // 2 + 1
        u, v = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
        rows, cols, powers = u, v, torch.zeros_like(u)
        self.size, self.tables = size, {}
        for k in range(1, 4):
            # one more quarter turn: output (u, v) reads what the previous turn's output held at (v, -u)
            back = -u % size
            rows, cols, powers = rows[v, back], cols[v, back], (u + powers[v, back]) % size
            mirrored = cols >= half  # read through conjugate symmetry from the half-spectrum
            src_rows = torch.where(mirrored, -rows % size, rows)[:, :half]
            src_cols = torch.where(mirrored, size - cols, cols)[:, :half]
            sign = 1.0 - 2.0 * mirrored[:, :half].double()
            angle = 2 * math.pi * powers[:, :half].double() / size
            cos, sin = torch.cos(angle), torch.sin(angle)
            self.tables[k] = tuple(t.to(device) for t in (
                (src_rows * half + src_cols).flatten(),
                cos.float(), (-sign * sin).float(), sin.float(), (sign * cos).float()))

    def __call__(self, real: torch.Tensor, imag: torch.Tensor, quarters: int) -> tuple:
        """``(real, imag)`` of the spectrum of the maps turned by ``quarters`` quarter turns (any integer)."""
        k = quarters % 4
        if k == 0:
            return real, imag
        index, re_re, re_im, im_re, im_im = self.tables[k]
        a = real.flatten(-2).index_select(-1, index).view(real.shape)
        b = imag.flatten(-2).index_select(-1, index).view(imag.shape)
        return re_re * a + re_im * b, im_re * a + im_im * b
