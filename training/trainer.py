"""The training loop: one function that runs (or resumes) a run described by a :class:`RunConfig`.

A step draws one global batch of pairs, computes the mode's objective (:mod:`training.objective`) under mixed
precision where the device has it, stops the run if the loss is not finite (all processes together, keeping the
last good checkpoint), and takes an optimiser step with gradient clipping and the step-wise learning-rate
schedule. The main process logs every ``log_interval`` steps and checkpoints every ``checkpoint_interval`` steps
and at the end, where it also writes the model weights (safetensors) and the resolved config beside them.
"""
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from core.config import from_dict
from core.errors import TrackingError
from training import distributed
from training.checkpoint import CHECKPOINT_NAME, load_checkpoint, restore, save_checkpoint
from training.config import RunConfig
from training.data import build_pairs
from training.objective import TrainingObjective
from training.optim import build_optimizer, build_scheduler
from training.runlog import RunLog
from training.sampling import EpochSampler, SeededPairs, to_device_batch

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.yaml"


@dataclass
class TrainResult:
    step: int
    pairs_seen: int
    wall_s: float
    checkpoint: Path
    weights: Path
    terms: dict
    processes: int  # all of which ended with the same weights (checked)


def train(run: RunConfig, output, resume: bool = False, device: str = "auto") -> TrainResult:
    """Train (or with ``resume`` continue) the run in folder ``output``; works alone or under ``torchrun``."""
    ctx = distributed.setup(device)
    try:
        return _train(run, Path(output), resume, ctx)
    finally:
        distributed.teardown(ctx)


def _train(run: RunConfig, output: Path, resume: bool, ctx) -> TrainResult:
    cfg = run.train
    if cfg.batch_size % ctx.world_size:
        raise TrackingError(f"train.batch_size {cfg.batch_size} is not divisible by the {ctx.world_size} processes")
    per_rank = cfg.batch_size // ctx.world_size
    ckpt_path = output / CHECKPOINT_NAME
    if not resume and ckpt_path.exists():
        raise TrackingError(f"{output} already holds a run ({CHECKPOINT_NAME}); pass --resume to continue it "
                            f"or choose another --output")
    seed_everything(cfg.seed)
    pairs = SeededPairs(build_pairs(run.data, cfg.seed), cfg.seed)
    model = build_network(run.model).to(ctx.device)
    objective = TrainingObjective(model, cfg, anchors_for(run, model)).to(ctx.device)
    net = objective
    if ctx.distributed:
        net = DistributedDataParallel(objective, device_ids=[ctx.device] if ctx.device.type == "cuda" else None)
    optimizer = build_optimizer(model.parameters(), cfg)
    scheduler = build_scheduler(optimizer, cfg, run.total_steps)
    amp = cfg.amp and ctx.device.type == "cuda"
    scaler = torch.amp.GradScaler(ctx.device.type, enabled=amp)

    step, wall = 0, 0.0
    if resume:
        payload = load_checkpoint(ckpt_path)
        restore(payload, model=model, optimizer=optimizer, scheduler=scheduler, scaler=scaler)
        step, wall = payload["step"], float(payload["extra"].get("wall_s", 0.0))
        changed = changed_settings(payload["config"], run.raw)
        if changed and ctx.is_main:
            tqdm.write(f"resuming at step {step} with changed settings: {'; '.join(changed)}")
    if ctx.is_main:  # the config as run (after overrides): with the weights, it builds the tracker
        output.mkdir(parents=True, exist_ok=True)
        (output / CONFIG_NAME).write_text(yaml.safe_dump(run.raw, sort_keys=False))

    def checkpoint(at_step, epoch, at_wall):
        if ctx.is_main:
            save_checkpoint(ckpt_path, model=model, optimizer=optimizer, scheduler=scheduler, scaler=scaler,
                            step=at_step, epoch=epoch, config=run.raw, extra={"wall_s": at_wall})
        distributed.barrier(ctx)

    log = RunLog(output, step, ctx.is_main)
    bar = tqdm(total=run.last_step, initial=step, unit="step", disable=not ctx.is_main, dynamic_ncols=True)
    sampler = EpochSampler(pairs, ctx.world_size, ctx.rank, cfg.seed)
    start_step, start_time = step, time.perf_counter()
    last_good = step if resume else None
    terms = {}
    try:
        while step < run.last_step:
            epoch, done = divmod(step, run.steps_per_epoch)
            pairs.set_epoch(epoch)
            sampler.start(epoch, done * per_rank)
            loader = DataLoader(pairs, batch_size=per_rank, sampler=sampler, num_workers=cfg.workers,
                                drop_last=True, pin_memory=ctx.device.type == "cuda")
            for batch in loader:
                if done >= run.steps_per_epoch or step >= run.last_step:
                    break
                terms = _step(net, model, batch, cfg, ctx, amp, optimizer, scheduler, scaler, step, last_good,
                              ckpt_path)
                step, done = step + 1, done + 1
                elapsed = time.perf_counter() - start_time
                rate = (step - start_step) * cfg.batch_size / max(elapsed, 1e-9)
                bar.update(1)
                bar.set_postfix({k: f"{v:.3g}" for k, v in terms.items() if "/" not in k and k != "lr"}
                                | {"pairs/s": f"{rate:.1f}"})
                if step % cfg.log_interval == 0 or step == run.last_step:
                    log.write({"step": step, "epoch": epoch, "pairs_seen": step * cfg.batch_size,
                               "wall_s": wall + elapsed, "pairs_per_s": rate} | terms)
                if step % cfg.checkpoint_interval == 0 or step == run.last_step:
                    checkpoint(step, epoch, wall + elapsed)
                    last_good = step
            del loader
    finally:
        bar.close()
        log.close()
    in_sync = distributed.weights_agree(ctx, model)
    if not in_sync:
        raise RuntimeError(f"the {ctx.world_size} processes ended with different weights")
    weights = output / WEIGHTS_NAME
    if ctx.is_main:
        from models.weights import save_weights

        save_weights(model, weights, {"model": run.model, "tracker": run.tracker, "step": step,
                                      "mode": cfg.mode})
    wall += time.perf_counter() - start_time
    return TrainResult(step=step, pairs_seen=step * cfg.batch_size, wall_s=wall, checkpoint=ckpt_path,
                       weights=weights, terms=terms, processes=ctx.world_size)


def _step(net, model, batch, cfg, ctx, amp, optimizer, scheduler, scaler, step, last_good, ckpt_path) -> dict:
    """One optimiser step; returns the loss terms as floats. A non-finite loss stops the run."""
    set_train_mode(model, cfg.freeze_batchnorm)
    b = to_device_batch(batch, ctx.device)
    with torch.autocast(ctx.device.type, enabled=amp):
        total, terms = net(b["z"], b["x"], b["box"], b["positive"], b["seed"])
    values = {"loss": float(total.detach())} | {k: float(v.detach()) for k, v in terms.items()}
    values["lr"] = optimizer.param_groups[0]["lr"]  # the rate this step uses
    if not distributed.all_true(ctx, bool(np.isfinite(values["loss"]))):
        shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items() if k != "lr")
        kept = (f"last good checkpoint {ckpt_path} (step {last_good}) kept" if last_good is not None
                else "no checkpoint had been written yet")
        raise TrackingError(f"loss is not finite at step {step + 1} ({shown}); training stopped, {kept}")
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(total).backward()
    if cfg.grad_clip > 0:
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    return values


def changed_settings(old: dict, new: dict, prefix: str = "") -> list:
    """``key: old -> new`` for every setting that differs between two config mappings (shown on resume, since a
    changed schedule or model would make the resumed run differ from one run straight through)."""
    out = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += changed_settings(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return out


def set_train_mode(model, freeze_batchnorm: bool) -> None:
    """Training mode; with ``freeze_batchnorm`` every BatchNorm uses (and keeps) its running statistics."""
    model.train()
    if freeze_batchnorm:
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_network(model_section: dict):
    from models.builder import ModelConfig, build_model

    return build_model(from_dict(ModelConfig, model_section, "model"))


def anchors_for(run: RunConfig, model):
    """SiamRPN++ anchors for a response size, from the ``tracker:`` section the tracker will use (so training
    and tracking agree on them); None for SiamFC."""
    if model.kind != "siamrpn":
        return None
    from tracker.anchors import generate_anchors
    from tracker.siamrpn import SiamRPNConfig

    tcfg = from_dict(SiamRPNConfig, run.tracker, "tracker")
    k = len(tcfg.anchor_ratios) * len(tcfg.anchor_scales)
    if k != model.anchor_num:
        raise TrackingError(f"tracker: {k} anchor shapes (anchor_ratios x anchor_scales) but the model has "
                            f"{model.anchor_num} (model.anchors)")
    return lambda size: generate_anchors(tcfg.anchor_stride, tcfg.anchor_ratios, tcfg.anchor_scales, size)
