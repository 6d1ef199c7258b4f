"""Tiny models, batches and run configs for the training tests (small enough for seconds on one CPU thread)."""
import sys
from pathlib import Path

import torch
import yaml

from core.config import from_dict
from models.builder import ModelConfig, build_model
from training.config import TrainConfig

REPO = Path(__file__).resolve().parents[1]
TEMPLATE, SEARCH = 103, 151  # AlexNet: 3x3 template features, 7x7 response; ResNet: see RPN_SEARCH
RPN_TEMPLATE, RPN_SEARCH = 127, 255

TINY_SIAMFC = {"kind": "siamfc", "backbone": "alexnet", "width": 0.1, "groups": {"orders": [4], "ratios": [1]}}
TINY_SIAMRPN = {"kind": "siamrpn", "backbone": "resnet18", "width": 0.0625, "neck_channels": 8, "anchors": 5,
                "groups": {"orders": [4], "ratios": [1]}, "taps": ["layer2", "layer3"]}
#: the siamrpn_ien architecture (AlexNet, one level, C4 groups, rotation_tied) at a tenth of AlexNet's width
TINY_SIAMRPN_ALEX = {"kind": "siamrpn", "backbone": "alexnet", "width": 0.1, "neck_channels": 8, "anchors": 5,
                     "groups": {"orders": [4], "ratios": [1]}, "init": "rotation_tied"}
RPN_TRACKER = {"exemplar_size": RPN_TEMPLATE, "instance_size": RPN_SEARCH}


def tiny_model(section: dict, seed: int = 0):
    torch.manual_seed(seed)
    return build_model(from_dict(ModelConfig, section, "model"))


def train_config(**values) -> TrainConfig:
    return from_dict(TrainConfig, values, "train")


def fixed_batch(batch: int, template: int, search: int, seed: int = 0) -> dict:
    """Random crops with a target box near the search-crop centre; the last pair negative."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.rand(batch, 3, template, template, generator=gen) * 255
    x = torch.rand(batch, 3, search, search, generator=gen) * 255
    size = 30 + 30 * torch.rand(batch, 2, generator=gen)
    centre = search / 2 + 12 * (torch.rand(batch, 2, generator=gen) - 0.5)
    boxes = torch.cat([centre - size / 2, size], dim=1)
    positive = torch.ones(batch, dtype=torch.bool)
    positive[-1] = False
    return {"z": z, "x": x, "boxes": boxes, "positive": positive, "seeds": torch.arange(batch) * 7 + 1}


def write_run_config(path: Path, train: dict = None, data: dict = None, model: dict = None,
                     tracker: dict = None) -> Path:
    """A complete tiny training config on synthetic data (no files needed)."""
    config = {
        "model": model or TINY_SIAMFC,
        "tracker": tracker or {"exemplar_size": TEMPLATE, "instance_size": SEARCH},
        "train": {"mode": "plain", "optimizer": "sgd", "lr": 0.01, "lr_end": 0.001, "epochs": 2, "batch_size": 4,
                  "checkpoint_interval": 2, "log_interval": 1, "seed": 3, "workers": 0, **(train or {})},
        "data": {
            "sources": [{"kind": "synthetic", "count": 6, "seed": 1,
                         "synthetic": {"image_size": [160, 120], "n_frames": 20}}],
            "pairs": {"template_size": TEMPLATE, "search_size": SEARCH, "pairs_per_epoch": 16},
            **(data or {}),
        },
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def tool_command(*args) -> list:
    return [sys.executable, str(REPO / "tools" / "train_tracker.py"), *map(str, args)]
