"""Two-dimensional real DFTs of ``S x S`` maps of odd side ``S``, two ways: PyTorch's FFT (complex spectra), and
matrix products with constant DFT matrices (spectra as :class:`Pair` of real tensors) for the exported ONNX
graphs. Code written against the common subset (``*``, ``/`` by a real tensor, ``conj``, ``sum``, indexing,
``real``/``imag``, and the transform's ``complex`` to build one from its parts) runs with either.

Why two: a DCF tracker's network transforms some 130-200 maps of 95 x 95 per frame. onnxruntime's ``DFT`` operator
(what the exporter makes of ``torch.fft``) ran ~10x slower than PyTorch's FFT on such maps and, in float32, ~30x
less accurately (Bluestein's algorithm for sides that are not powers of two). A DFT written as ``MatMul`` against
cos/sin matrices costs ``O(S)`` per output instead of ``O(log S)``, but runs on onnxruntime's GEMM and sums at most
``S`` products per output, so its float32 error stays at PyTorch's level. PyTorch keeps its FFT, and complex
arithmetic (several times faster there than the same products spelled out on real tensors). Pairs of real tensors
in the exported graphs because the exporter maps complex tensors through elementwise arithmetic only.
"""
import math

import torch


class Pair:
    """A complex tensor as its real and imaginary parts (the arithmetic the DCF layer needs, on real tensors)."""

    def __init__(self, real: torch.Tensor, imag: torch.Tensor):
        self.real, self.imag = real, imag

    def __mul__(self, other: "Pair") -> "Pair":
        return Pair(self.real * other.real - self.imag * other.imag, self.real * other.imag + self.imag * other.real)

    def __truediv__(self, divisor: torch.Tensor) -> "Pair":
        return Pair(self.real / divisor, self.imag / divisor)

    def __getitem__(self, index) -> "Pair":
        return Pair(self.real[index], self.imag[index])

    def conj(self) -> "Pair":
        return Pair(self.real, -self.imag)

    def sum(self, dim, keepdim: bool = False) -> "Pair":
        return Pair(self.real.sum(dim=dim, keepdim=keepdim), self.imag.sum(dim=dim, keepdim=keepdim))


class TorchFFT:
    """``torch.fft.rfft2``/``irfft2`` over the last two axes (odd sides: the inverse's width is ``2k - 1``)."""

    def rfft2(self, x: torch.Tensor) -> torch.Tensor:
        return torch.fft.rfft2(x, dim=(-2, -1))

    def irfft2(self, spectrum: torch.Tensor) -> torch.Tensor:
        return torch.fft.irfft2(spectrum, s=(spectrum.shape[-2], 2 * spectrum.shape[-1] - 1), dim=(-2, -1))

    def complex(self, real: torch.Tensor, imag: torch.Tensor) -> torch.Tensor:
        """A spectrum from its parts (spectra cross between the network's parts as real and imaginary arrays)."""
        return torch.complex(real, imag)


class MatrixDFT:
    """The same transforms as :class:`TorchFFT` for ``S x S`` maps of odd side ``S`` (no Nyquist bin), as products
    with constant ``S x S`` and ``S x (S//2+1)`` cos/sin matrices (computed in float64, stored in float32)."""

    def __init__(self, size: int):
        if size % 2 == 0:
            raise ValueError(f"MatrixDFT takes odd sides, got {size}")
        n = torch.arange(size, dtype=torch.float64)
        half = size // 2 + 1
        angle = 2 * math.pi * torch.outer(n, n) / size  # (S, S): angle[m, h] = 2 pi m h / S
        self.cos, self.sin = torch.cos(angle).float(), torch.sin(angle).float()
        self.cos_half, self.sin_half = self.cos[:, :half].contiguous(), self.sin[:, :half].contiguous()
        # the inverse along the half axis: x[n] = (1/S) sum_k w_k (X_r[k] cos - X_i[k] sin), w = 1, 2, 2, ...
        weight = torch.full((half, 1), 2.0, dtype=torch.float64)
        weight[0] = 1.0
        self.cos_back = (weight * torch.cos(angle[:half]) / size).float()
        self.sin_back = (weight * torch.sin(angle[:half]) / size).float()
        self.size = size

    def rfft2(self, x: torch.Tensor) -> Pair:
        re, im = x @ self.cos_half, -(x @ self.sin_half)  # along the last axis: (..., S, S//2+1)
        # along the rows: multiply by exp(-2 pi i m h / S) from the left
        return Pair(self.cos @ re + self.sin @ im, self.cos @ im - self.sin @ re)

    def complex(self, real: torch.Tensor, imag: torch.Tensor) -> Pair:
        return Pair(real, imag)

    def irfft2(self, spectrum: Pair) -> torch.Tensor:
        # rows back with exp(+2 pi i m h / S) / S, then the half axis to real values
        re, im = spectrum.real, spectrum.imag
        re, im = (self.cos @ re - self.sin @ im) / self.size, (self.cos @ im + self.sin @ re) / self.size
        return re @ self.cos_back - im @ self.sin_back
