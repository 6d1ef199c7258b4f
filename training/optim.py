"""Optimiser and learning-rate schedule from the ``train:`` section.

The schedule is a function of the optimiser step over the whole run (``epochs`` full epochs): a linear
warm-up from ``lr * warmup_factor`` to ``lr``, then a decay to ``lr_end`` (exponential, i.e. linear in log space
as SiamFC does per epoch, or cosine), or constant. Being a pure function of the step, it resumes exactly.
"""
import math

import torch


def build_optimizer(params, cfg) -> torch.optim.Optimizer:
    params = [p for p in params if p.requires_grad]
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)


def lr_factor(step: int, cfg, total: int) -> float:
    """Multiplier of ``cfg.lr`` at optimiser step ``step`` (0-based) of a ``total``-step schedule."""
    warm = min(cfg.warmup_steps, total)
    if step < warm:
        return cfg.warmup_factor + (1.0 - cfg.warmup_factor) * step / warm
    if cfg.decay == "constant" or total <= warm + 1:
        return 1.0
    t = min(1.0, (step - warm) / (total - warm - 1))
    end = cfg.lr_end / cfg.lr
    if cfg.decay == "exp":
        return end ** t
    return end + (1.0 - end) * 0.5 * (1.0 + math.cos(math.pi * t))


def build_scheduler(optimizer, cfg, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: lr_factor(step, cfg, total))
