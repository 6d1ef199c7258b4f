"""Forward hooks that record the outputs of named layers of any ``nn.Module``.

Why hooks: the IEN loss and metric must see intermediate feature maps of models they know nothing about (SiamFC,
SiamRPN++ backbones, a reference network) without those models returning them.
"""
from contextlib import contextmanager

import torch
from torch import nn

from core.errors import TrackingError


class FeatureTaps:
    """Resolve layer names (as in ``model.named_modules()``) once; ``capture()`` records their outputs."""

    def __init__(self, model: nn.Module, names):
        modules = dict(model.named_modules())
        missing = [n for n in names if n not in modules]
        if missing:
            known = ", ".join(n for n in modules if n) or "(none)"
            raise TrackingError(f"unknown tapped layer(s) {', '.join(missing)}; the model's layers are: {known}")
        self.modules = {n: modules[n] for n in names}
        self.outputs = {}

    @contextmanager
    def capture(self):
        """Record each tapped layer's output during the ``with`` block (the last call wins)."""
        self.outputs = {}
        handles = [module.register_forward_hook(self._recorder(name)) for name, module in self.modules.items()]
        try:
            yield self.outputs
        finally:
            for handle in handles:
                handle.remove()

    def _recorder(self, name):
        def hook(module, inputs, output):
            if not isinstance(output, torch.Tensor) or output.dim() != 4:
                raise TypeError(f"tapped layer {name} must output a (B, C, H, W) tensor, got {type(output).__name__}")
            self.outputs[name] = output
        return hook

    def get(self, name) -> torch.Tensor:
        if name not in self.outputs:
            raise RuntimeError(f"layer {name} produced no output inside capture(); was the model run?")
        return self.outputs[name]
