"""The parts of :mod:`tracker.network` as PyTorch modules around a Siamese model, one definition per kind: the
torch backend (tracker/torch_network.py) runs them and the exporter (tracker/onnx_export.py) writes them to
ONNX, so both backends run the same computation. Each part takes and returns tensors only (a tuple out), uint8
crops included: the layout conversion is part of the graph.

Adding a model kind (the DCF tracker, say) is one more entry in :data:`KINDS`: a function returning its
:class:`TrackerGraphs` (its own part names, e.g. ``features`` and an FFT ``solve``/``detect``, which the dynamo
exporter handles through ``rfft2``), overriding :meth:`TrackerGraphs.examples` where its parts are chained
differently from template -> search -> head.
"""
from dataclasses import dataclass

import torch
import torch.nn as nn

from core.errors import TrackingError
from models.preprocess import to_network_input
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


class _SiamFCTemplate(nn.Module):
    """Template features of every rotation step stacked on the batch axis ``(R, C, h, w)``, computed from one
    encoding of the crop (R = 1 without rotation search)."""

    def __init__(self, model, rotator):
        super().__init__()
        self.model, self.rotator = model, rotator

    def forward(self, crops):
        x = to_network_input(crops)
        if self.rotator is None:
            return _as_tuple(self.model.template(x))
        feats = self.model.features(x)
        return (torch.cat([self.model.embed_template(self.rotator.rotate(feats, k))
                           for k in range(self.rotator.steps.order)]),)


class _SiamFCHead(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, template, features):
        return (self.model.head(template, features),)


class _SiamRPNTemplate(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, crops):
        return _as_tuple(self.model.template(to_network_input(crops)))


class _SiamRPNHead(nn.Module):
    """``(template levels..., search levels...) -> (cls, loc)``: ONNX graphs take flat inputs, not lists."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *levels):
        half = len(levels) // 2
        return tuple(self.model.head(list(levels[:half]), list(levels[half:])))


def _siamfc(model, cfg, where) -> TrackerGraphs:
    rotator = TemplateRotator(model, cfg.rotation, f"{where}.rotation") if cfg.rotation.enabled else None
    return TrackerGraphs(
        parts={"template": _SiamFCTemplate(model, rotator), "search": _Search(model), "head": _SiamFCHead(model)},
        crop_shapes={"template": (1, cfg.exemplar_size, cfg.exemplar_size, 3),
                     "search": (cfg.scale_num, cfg.instance_size, cfg.instance_size, 3)},
        head_outputs=["response"],
        facts={"kind": "siamfc", "total_stride": int(model.total_stride),
               "rotation_order": 1 if rotator is None else rotator.steps.order})


def _siamrpn(model, cfg, where) -> TrackerGraphs:
    return TrackerGraphs(
        parts={"template": _SiamRPNTemplate(model), "search": _Search(model), "head": _SiamRPNHead(model)},
        crop_shapes={"template": (1, cfg.exemplar_size, cfg.exemplar_size, 3),
                     "search": (1, cfg.instance_size, cfg.instance_size, 3)},
        head_outputs=["cls", "loc"],
        facts={"kind": "siamrpn", "total_stride": int(model.total_stride), "anchor_num": int(model.anchor_num)})


KINDS = {"siamfc": _siamfc, "siamrpn": _siamrpn}


def tracker_graphs(model, cfg, where: str = "tracker") -> TrackerGraphs:
    """The parts of ``model`` (its ``kind``) as the tracker with config ``cfg`` runs them."""
    if model.kind not in KINDS:
        raise TrackingError(f"{where}: no network parts defined for model kind {model.kind!r}")
    return KINDS[model.kind](model, cfg, where)
