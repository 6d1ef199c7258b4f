"""What a tracker asks of its network, whatever runs it (PyTorch or onnxruntime).

The tracker does the geometry (crops, windows, scales, anchors) in NumPy and calls the network through named
*parts*, each a function of arrays with fixed shapes (the exported ONNX files are exactly these parts). Each
tracker class says which parts it needs (``required_parts``); the Siamese trackers' three are :data:`PARTS`
(the DCF tracker's are in tracker/dcf.py):

- ``template``: ``crops (1, E, E, 3) uint8`` (BGR, E = exemplar_size) -> the template features, cached at init
  (with rotation search: each level's features turned by every rotation step, stacked on the batch axis);
- ``search``: ``crops (B, I, I, 3) uint8`` (I = instance_size; B = scale_num for SiamFC, 1 for SiamRPN++) -> the
  search features;
- ``head``: template features (one rotation step of them) then search features -> the scores (SiamFC:
  ``response (B, 1, 17, 17)``; SiamRPN++: ``cls (1, 2k, 25, 25)``, ``loc (1, 4k, 25, 25)``).

Intermediate features stay in the backend's own arrays (tensors on the device for PyTorch); only what the
geometry reads is turned into NumPy, by :meth:`Network.numpy`. ``facts`` are the numbers about the network the
geometry needs: ``kind``, ``total_stride``, ``anchor_num`` (SiamRPN++), ``rotation_order`` (Siamese kinds: how
many rotated templates ``template`` returns, 1 without rotation search).

This module imports no network library: the onnxruntime backend runs without PyTorch.
"""
from abc import ABC, abstractmethod

import numpy as np

from core.errors import TrackingError

PARTS = ("template", "search", "head")


class Network(ABC):
    """A tracker's network behind :data:`PARTS`."""

    #: ``kind``, ``total_stride`` and the kind's own numbers (see the module docstring)
    facts: dict

    @abstractmethod
    def run(self, part: str, *inputs) -> tuple:
        """Run ``part`` on ``inputs`` (uint8 crops or outputs of earlier parts); returns its outputs in the
        backend's own array type."""

    @abstractmethod
    def numpy(self, value) -> np.ndarray:
        """An output of :meth:`run` as a float32 NumPy array."""


def attach_network(model, cfg, kind: str, device="cpu", where: str = "tracker") -> tuple:
    """``(network, torch model or None)`` for a tracker of ``kind`` with config ``cfg``: ``model`` is either an
    already built :class:`Network` (exported files in onnxruntime sessions) or a torch model of that kind, put
    behind the torch backend on ``device`` (PyTorch is imported only on that path)."""
    if isinstance(model, Network):
        network, torch_model = model, None
    else:
        if getattr(model, "kind", None) != kind:
            raise TrackingError(f"{where}: a {kind} tracker cannot run a {getattr(model, 'kind', None)} network")
        from tracker.torch_network import TorchNetwork

        network = TorchNetwork(model, cfg, device, where)
        torch_model = network.model
    if network.facts["kind"] != kind:
        raise TrackingError(f"{where}: a {kind} tracker cannot run a {network.facts['kind']} network")
    return network, torch_model
