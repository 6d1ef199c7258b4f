"""A discriminative correlation filter (DCF) layer inside a Siamese network (DCFNet, Wang et al. 2017; CFNet,
Valmadre et al. 2017).

Why: a plain cross-correlation needs features learnt from millions of pairs to separate the target from its
surroundings; a correlation filter solved in closed form over every circular shift of the template gets dense
negatives for free and adapts online, so the network only has to learn features. The solve is single-sample
ridge regression per channel in the Fourier domain (hats are 2-D FFTs, ``*`` conjugation, sums over channels)::

    w_c = y^ z_c^* / (sum_k |z_k^|^2 + lambda)          response(x) = IFFT( sum_c x_c^ w_c )

written as DCFNet does with ``alpha^ = y^ / (sum_k |z_k^|^2 + lambda)`` so that template features and filter can
be updated online separately. ``y`` is a Gaussian label centred on the crop (odd feature maps: the centre cell is
the crop's centre), so the response peaks where the target is, with no circular shift to undo. Features are
multiplied by a cosine window first. Everything is differentiable: training backpropagates through the solve.
"""
import numpy as np
import torch
import torch.nn as nn

from core.errors import TrackingError
from models.dft import TorchFFT
from models.siamese import SiameseNet

TORCH_FFT = TorchFFT()


def gaussian_label(size: int, sigma: float) -> torch.Tensor:
    """``(size, size)`` Gaussian of standard deviation ``sigma`` cells, peak 1 at the centre cell."""
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-0.5 * (r / sigma) ** 2)
    return torch.outer(g, g).float()


def hann_window(size: int) -> torch.Tensor:
    """``(size, size)`` Hann window with peak 1 (NumPy's ``hanning``, symmetric, so a quarter turn keeps it)."""
    h = torch.from_numpy(np.hanning(size)).float()
    return torch.outer(h, h)


def spectrum(feats: torch.Tensor) -> torch.Tensor:
    """``rfft2`` over the two spatial axes."""
    return torch.fft.rfft2(feats, dim=(-2, -1))


def solve_filter(zf_hat: torch.Tensor, label_hat: torch.Tensor, lam: float) -> torch.Tensor:
    """``alpha^ = y^ / (sum_c |z_c^|^2 + lambda)``, ``(B, 1, H, W//2+1)`` complex."""
    energy = (zf_hat.real ** 2 + zf_hat.imag ** 2).sum(dim=1, keepdim=True)
    return label_hat / (energy + lam)


def filter_response(xf_hat: torch.Tensor, zf_hat: torch.Tensor, alpha_hat: torch.Tensor, size) -> torch.Tensor:
    """``IFFT( sum_c x_c^ z_c^* alpha^ )``, ``(B, 1, H, W)`` real; ``size`` is the spatial ``(H, W)``."""
    cross = (xf_hat * zf_hat.conj()).sum(dim=1, keepdim=True)
    return torch.fft.irfft2(cross * alpha_hat, s=size, dim=(-2, -1))


def model_spectra(feats: torch.Tensor, label_hat, lam: float, dft=TORCH_FFT) -> tuple:
    """The spectra ``(z^, alpha^)`` of template features ``feats (B, C, S, S)`` and of their filter (``(B, C, S,
    S//2+1)`` and ``(B, 1, S, S//2+1)``), ``dft`` one of :mod:`models.dft`'s transforms and ``label_hat`` the
    label's spectrum in its form. Why spectra: the online tracker blends its model linearly, which commutes with
    the DFT, so it can keep the spectra and each frame's responses transform only the search features."""
    zf_hat = dft.rfft2(feats)
    return zf_hat, solve_filter(zf_hat, label_hat, lam)


def filter_responses(xf: torch.Tensor, zf_hat, alpha_hat, dft=TORCH_FFT) -> torch.Tensor:
    """Every search sample against every online model: search features ``(B, C, S, S)`` and ``T`` models' spectra
    (:func:`model_spectra`) -> responses ``(T, B, S, S)`` (:func:`filter_response` for each pair; ``dft`` as in
    :func:`model_spectra`). One product per model: a broadcast over all pairs at once makes temporaries ``T``
    times larger and ran several times slower."""
    x = dft.rfft2(xf)
    return torch.stack([dft.irfft2((x * zf_hat[t:t + 1].conj()).sum(dim=1) * alpha_hat[t])
                        for t in range(zf_hat.real.shape[0])])


class DCFNet(SiameseNet):
    """Backbone features (last level, stride 1) -> RMS normalisation -> cosine window -> DCF solve on the template,
    response on the search crop: ``forward(z, x) -> (B, 1, S, S)`` for two ``S x S`` crops of the same size.

    ``template(z)`` and ``search(x)`` give the windowed features; ``head(zf, xf)`` solves on ``zf`` and responds
    to ``xf``. Windowed features are scaled to unit energy (per sample, over channels and positions): the solve is
    invariant to a common scale except through ``lambda``, and by Parseval's theorem unit energy makes the mean
    energy of a frequency bin (summed over channels) 1, so ``lambda`` is a fraction of it. A normalisation over all
    channels commutes with every channel permutation, so it keeps the network's equivariance.
    """

    kind = "dcf"
    total_stride = 1
    #: the FFTs run over contiguous spatial axes, and the 3-channel stride-1 convolutions gain nothing from
    #: channels-last: in that layout a training step was 10% slower
    memory_format = torch.contiguous_format

    def __init__(self, backbone: nn.Module, correlation: str = "regular", crop_size: int = 125,
                 lam: float = 1e-2, label_sigma: float = 4.0):
        super().__init__(backbone, correlation)
        self.crop_size = int(crop_size)
        self.lam = float(lam)
        self.label_sigma = float(label_sigma)
        self.register_buffer("window", hann_window(self.crop_size), persistent=False)
        label = gaussian_label(self.crop_size, self.label_sigma)
        self.register_buffer("label", label, persistent=False)
        self.register_buffer("label_hat", spectrum(label), persistent=False)

    def _embed(self, feats):
        f = self._pool(feats)[-1] * self.window
        # the energy summed axis by axis (at most S terms per sum): onnxruntime's ReduceSum over all C*S*S values
        # at once loses ~4e-5 relative at 32 x 95 x 95 in float32, which the solve amplifies past 1e-4
        energy = f.pow(2).sum(dim=-1, keepdim=True).sum(dim=-2, keepdim=True).sum(dim=1, keepdim=True)
        return f / energy.add(1e-12).sqrt()

    def embed_template(self, feats):
        return self._embed(feats)

    def embed_search(self, feats):
        return self._embed(feats)

    def head(self, zf, xf):
        zf_hat = spectrum(zf)
        alpha_hat = solve_filter(zf_hat, self.label_hat, self.lam)
        return filter_response(spectrum(xf), zf_hat, alpha_hat, xf.shape[-2:])


def check_crop_size(size: int, where: str) -> None:
    """DCF crops have odd sides (the label's peak and a quarter turn's pivot are then a cell)."""
    if size < 9 or size % 2 == 0:
        raise TrackingError(f"{where}.crop_size: expected an odd side >= 9 pixels, got {size}")
