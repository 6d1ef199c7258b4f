"""The PyTorch backend of :class:`tracker.network.Network`: the parts of tracker/torch_graphs.py on a device."""
import numpy as np
import torch

from tracker.network import Network
from tracker.torch_graphs import tracker_graphs


class TorchNetwork(Network):
    """``model`` (moved to ``device``, eval mode) run as the tracker with config ``cfg`` needs it."""

    def __init__(self, model, cfg, device="cpu", where: str = "tracker"):
        self.model = model.to(device).eval()
        self.device = torch.device(device)
        graphs = tracker_graphs(self.model, cfg, where)
        self.parts, self.facts = graphs.parts, graphs.facts

    @torch.inference_mode()
    def run(self, part: str, *inputs) -> tuple:
        args = [torch.from_numpy(np.ascontiguousarray(v)).to(self.device) if isinstance(v, np.ndarray) else v
                for v in inputs]
        return self.parts[part](*args)

    def numpy(self, value) -> np.ndarray:
        return value.float().cpu().numpy()
