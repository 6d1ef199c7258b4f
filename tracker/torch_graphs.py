"""The parts of :mod:`tracker.network` as PyTorch modules around a Siamese model, one definition per kind: the
torch backend (tracker/torch_network.py) runs them and the exporter (tracker/onnx_export.py) writes them to
ONNX, so both backends run the same computation. Each part takes and returns tensors only (a tuple out), uint8
crops included: the layout conversion is part of the graph.

A model kind is one entry in :data:`KINDS`: a function returning its :class:`TrackerGraphs`. The DCF kind has its
own part names (``locate``, ``update``, ``turn``; see tracker/dcf.py) and chains them differently
(:class:`DCFGraphs`). Its Fourier transforms are PyTorch's FFT under PyTorch and products with DFT matrices in
the exported files (:mod:`models.dft` says why: onnxruntime's ``DFT`` operator is ~10x slower and, in float32,
~30x less accurate at the DCF's 95 px); the two agree to float32 rounding.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn

from core.errors import TrackingError
from models.dcf import TORCH_FFT, filter_responses, model_spectra
from models.dft import MatrixDFT
from models.spectral_turn import SpectralQuarterTurn
from models.equivariance.actions import resample, rotation_scale_matrix
from models.preprocess import to_network_input
from tracker.dcf import REENCODE_ORDER, search_turns
from tracker.scale_search import ScaleSearch
from tracker.template_rotation import TemplateRotator


@dataclass
class TrackerGraphs:
    """``parts``: name -> module; ``crop_shapes``: the fixed shape of each crop-taking part's input;
    ``head_outputs``: names of the head's outputs; ``facts``: see :class:`tracker.network.Network`."""

    parts: dict
    crop_shapes: dict
    head_outputs: list
    facts: dict

    def examples(self, seed: int = 0) -> dict:
        """``part -> (input names, example tensors, output names)`` to trace the export with: random uint8 crops
        of the fixed shapes, and the head fed one rotation step of the template outputs with the search outputs
        (what the tracker feeds it every frame)."""
        gen = torch.Generator().manual_seed(seed)
        crops = {part: torch.randint(0, 256, shape, dtype=torch.uint8, generator=gen)
                 for part, shape in self.crop_shapes.items()}
        with torch.no_grad():
            z = self.parts["template"](crops["template"])
            x = self.parts["search"](crops["search"])
        z_names = [f"template_{i}" for i in range(len(z))]
        x_names = [f"features_{i}" for i in range(len(x))]
        return {"template": (["crops"], (crops["template"],), z_names),
                "search": (["crops"], (crops["search"],), x_names),
                "head": (z_names + x_names, tuple(t[:1] for t in z) + tuple(x), list(self.head_outputs))}


def _as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


class _Search(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, crops):
        return _as_tuple(self.model.search(to_network_input(crops)))


class _SiamFCPyramid(nn.Module):
    """SiamFC's scale search from ONE search crop (``tracker.scale_pyramid: features``): the crop of the middle
    scale is encoded once, and the features of each other scale are that map zoomed about its centre (bilinear,
    zeros outside), ``(scale_num, C, h, w)``.

    Why this can stand in for re-cropping: the crop at scale factor ``f`` sees the image ``f`` times larger
    around the same centre, so its feature at offset ``u`` from the map centre is, for a network whose features
    follow zooms (an IEN model trained with the scale group), the middle crop's feature at ``f * u``. The middle
    scale (``f = 1``) is the encoded map itself, not resampled: it equals the ``crops`` pyramid's middle scale.
    """

    def __init__(self, model, factors):
        super().__init__()
        self.model = model
        #: each scale's zoom as plain numbers (no tensor to read while the graph is exported); None: f = 1
        self.matrices = [None if f == 1.0 else tuple(rotation_scale_matrix(0.0, 1.0 / float(f)).flatten().tolist())
                         for f in factors]

    def forward(self, crops):
        feats = self.model.search(to_network_input(crops))
        return (torch.cat([feats if m is None else resample(feats, m) for m in self.matrices]),)


class _Template(nn.Module):
    """Template features of every rotation step, each correlation level's stacked on the batch axis ``(R, C, h,
    w)``, computed from one encoding of the crop (R = 1 without rotation search)."""

    def __init__(self, model, rotator):
        super().__init__()
        self.model, self.rotator = model, rotator

    def forward(self, crops):
        x = to_network_input(crops)
        if self.rotator is None:
            return _as_tuple(self.model.template(x))
        feats = self.model.features(x)
        turned = [_as_tuple(self.model.embed_template(self.rotator.rotate(feats, k)))
                  for k in range(self.rotator.steps.order)]
        return tuple(torch.cat(level) for level in zip(*turned))


class _SiamFCHead(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, template, features):
        return (self.model.head(template, features),)


class _SiamRPNHead(nn.Module):
    """``(template levels..., search levels...) -> (cls, loc)``: ONNX graphs take flat inputs, not lists."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *levels):
        half = len(levels) // 2
        return tuple(self.model.head(list(levels[:half]), list(levels[half:])))


def _siamese(model, cfg, where, search, search_batch: int, head, head_outputs, facts: dict) -> TrackerGraphs:
    """The three parts of a Siamese tracker; the template part turns the template for rotation search when the
    tracker config enables it (``rotation_order`` templates)."""
    rotator = TemplateRotator(model, cfg.rotation, f"{where}.rotation") if cfg.rotation.enabled else None
    return TrackerGraphs(
        parts={"template": _Template(model, rotator), "search": search, "head": head},
        crop_shapes={"template": (1, cfg.exemplar_size, cfg.exemplar_size, 3),
                     "search": (search_batch, cfg.instance_size, cfg.instance_size, 3)},
        head_outputs=head_outputs,
        facts={"kind": model.kind, "total_stride": int(model.total_stride),
               "rotation_order": 1 if rotator is None else rotator.steps.order, **facts})


def _siamfc(model, cfg, where, export) -> TrackerGraphs:
    if cfg.scale_pyramid == "features":  # one crop encoded, the other scales zoomed from its features
        search, batch = _SiamFCPyramid(model, ScaleSearch(cfg, where).factors), 1
    else:
        search, batch = _Search(model), cfg.scale_num
    return _siamese(model, cfg, where, search, batch, _SiamFCHead(model), ["response"], {})


def _siamrpn(model, cfg, where, export) -> TrackerGraphs:
    return _siamese(model, cfg, where, _Search(model), 1, _SiamRPNHead(model), ["cls", "loc"],
                    {"anchor_num": int(model.anchor_num)})


def _parts(*spectra) -> tuple:
    """Spectra as the DCF parts pass them: the real and imaginary parts of each, in turn."""
    return tuple(part for z in spectra for part in (z.real, z.imag))


class _DCFUpdate(nn.Module):
    """``crops -> spectra of (features, filters)``: what the online model blends, solved in one graph."""

    def __init__(self, model, dft):
        super().__init__()
        self.model, self.dft = model, dft
        self.label_hat = dft.rfft2(model.label)

    def forward(self, crops):
        feats = self.model.template(to_network_input(crops))
        return _parts(*model_spectra(feats, self.label_hat, self.model.lam, self.dft))


class _DCFTurn(nn.Module):
    """The online model's spectra (``(1, C, S, S//2+1)`` and ``(1, 1, S, S//2+1)``, real and imaginary parts)
    turned by each of ``turns`` steps, stacked on the batch axis (turn 0 passes through): the features by the
    rotator (channel roll, then the spatial turn), the filter map by the spatial turn alone.

    Why on the spectra: a turn by a multiple of a quarter turn (every turn of an order-1, -2 or -4 model) is a
    permutation of DFT bins times a phase (:class:`models.spectral_turn.SpectralQuarterTurn`), and the channel roll
    is linear over channels, so it rolls the real and imaginary parts as it rolls the maps: gathers and products,
    no transform. Going back to maps (``irfft2``), turning and transforming again took two transforms per channel
    and turn (~100 of 95 x 95 per frame at ``window: 1``). Only the other turns (the 45-degree steps of an order-8
    model, which resample bilinearly and have no such form) still take that way."""

    def __init__(self, rotator, turns, dft, size: int, device):
        super().__init__()
        self.rotator, self.turns, self.dft = rotator, list(turns), dft
        self.quarter = SpectralQuarterTurn(size, device)
        order = rotator.steps.order
        self.resampled = any(not rotator.group.exact(t % order) for t in self.turns)

    def forward(self, feats_re, feats_im, filters_re, filters_im):
        online = (feats_re, feats_im, filters_re, filters_im)
        order, group, dft = self.rotator.steps.order, self.rotator.group, self.dft
        if self.resampled:
            feats = dft.irfft2(dft.complex(feats_re, feats_im))
            filters = dft.irfft2(dft.complex(filters_re, filters_im))
        turned = []
        for t in self.turns:
            k = t % order
            if t == 0:
                turned.append(online)
            elif group.exact(k):
                turned.append(self._spectral(online, k))
            else:
                turned.append(_parts(dft.rfft2(self.rotator.rotate([feats], k)[0]),
                                     dft.rfft2(group.transform(filters, k))))
        return tuple(torch.cat(part) for part in zip(*turned))

    def _spectral(self, online, k: int) -> tuple:
        """``online`` turned by ``k`` steps of a quarter turn's multiple, on its spectra."""
        feats_re, feats_im, filters_re, filters_im = online
        quarters = 4 * k // self.rotator.steps.order
        feats_re, feats_im = (self.rotator.roll_channels([part], k)[0] for part in (feats_re, feats_im))
        return self.quarter(feats_re, feats_im, quarters) + self.quarter(filters_re, filters_im, quarters)


class _DCFLocate(nn.Module):
    """``(crops, online models' spectra) -> responses``: the search crops encoded and responded to in one graph,
    so their features (``(scale_num, C, S, S)`` float32, 3.5 MB at the tracked size) never leave it; as two parts
    they crossed from one onnxruntime session to the next through NumPy every frame."""

    def __init__(self, model, dft):
        super().__init__()
        self.model, self.dft = model, dft

    def forward(self, crops, feats_re, feats_im, filters_re, filters_im):
        feats_hat, filters_hat = self.dft.complex(feats_re, feats_im), self.dft.complex(filters_re, filters_im)
        return (filter_responses(self.model.search(to_network_input(crops)), feats_hat, filters_hat, self.dft),)


#: the online model as the DCF parts pass it: the spectra of the template features and of the filter, each as its
#: real and imaginary parts
MODEL_NAMES = ("template_re", "template_im", "filters_re", "filters_im")


class DCFGraphs(TrackerGraphs):
    def examples(self, seed: int = 0) -> dict:
        """Random crops through ``update``; ``turn`` fed the first online model and ``locate`` random search crops
        with the (turned) online models, as the tracker chains them every frame."""
        gen = torch.Generator().manual_seed(seed)
        crops = {part: torch.randint(0, 256, shape, dtype=torch.uint8, generator=gen)
                 for part, shape in self.crop_shapes.items()}
        with torch.no_grad():
            model = self.parts["update"](crops["update"])
            if "turn" in self.parts:
                turn_inputs = tuple(t[:1] for t in model)
                model = self.parts["turn"](*turn_inputs)
        out = {"update": (["crops"], (crops["update"],), list(MODEL_NAMES))}
        if "turn" in self.parts:
            out["turn"] = (list(MODEL_NAMES), turn_inputs, [f"turned_{n}" for n in MODEL_NAMES])
        out["locate"] = (["crops", *MODEL_NAMES], (crops["locate"], *model), list(self.head_outputs))
        return out


def _dcf(model, cfg, where, export) -> TrackerGraphs:
    rot = cfg.rotation
    method = rot.method if rot.enabled else None
    dft = MatrixDFT(int(model.crop_size)) if export else TORCH_FFT
    parts = {"update": _DCFUpdate(model, dft), "locate": _DCFLocate(model, dft)}
    order = 1
    if method == "features":
        rotator = TemplateRotator(model, rot, f"{where}.rotation")
        order = rotator.steps.order
    elif method == "reencode":
        order = int(rot.order or REENCODE_ORDER)
    turns = search_turns(order, rot.window) if method else [0]
    if method == "features":
        parts["turn"] = _DCFTurn(rotator, turns, dft, int(model.crop_size), model.label.device)
    size = int(model.crop_size)
    return DCFGraphs(
        parts=parts,
        crop_shapes={"locate": (cfg.scale_num, size, size, 3),
                     "update": (len(turns) if method == "reencode" else 1, size, size, 3)},
        head_outputs=["response"],
        facts={"kind": "dcf", "total_stride": 1, "crop_size": size, "rotation_order": order, "turns": turns,
               "turned_by": method})


KINDS = {"siamfc": _siamfc, "siamrpn": _siamrpn, "dcf": _dcf}


def tracker_graphs(model, cfg, where: str = "tracker", export: bool = False) -> TrackerGraphs:
    """The parts of ``model`` (its ``kind``) as the tracker with config ``cfg`` runs them; ``export``: for the ONNX
    files (the DCF parts then transform with DFT matrices, see the module docstring)."""
    if model.kind not in KINDS:
        raise TrackingError(f"{where}: no network parts defined for model kind {model.kind!r}")
    return KINDS[model.kind](model, cfg, where, export)
