"""Per-layer equivariance error E_l of the shipped IEN tracker against its baselines, under C4, C8 and scale, and
each layer's detail D_l.

    python benchmarks/bench_equivariance.py [--groups C4 C8 scale] [--frames 2] [--trackers siamfc_ien siamfc_base ...]
    python benchmarks/bench_equivariance.py --groups scale --trackers siamfc_ien_rs siamfc_ien siamfc_base
    python benchmarks/bench_equivariance.py --groups scale --trackers rs=siamfc_ien_rs:/work/runs/rs/ien_rs_s0/model.safetensors siamfc_base

A tracker is a registered name or ``LABEL=NAME:WEIGHTS`` (that network with other weights, e.g. a run's).

Probe images are real: SiamFC crops (search 255 px, template 127 px, context 0.5) centred on the target in
evenly spaced frames of every validation sequence, never seen in training. E_l is
``models.equivariance.metric.equivariance_error`` on the search branch with the orientation-pooled features
(0 = exactly equivariant, about 2 = unrelated); the last row is the same on the response map when template and
search turn together. The ratio columns are baseline E_l / IEN E_l (issue 9's target: at least 5 at every
tapped layer).

Scale (zooms by 2^(k/4), k = +-1, +-2, no channel action) is met exactly by the library metric too. Because a
zoom is also met by features that blur, D_l is printed for every tracker on the same search crops: the share of
the layer's pooled feature energy above half the Nyquist frequency (models/equivariance/detail.py); the ratio
columns there are each tracker's D_l / the first tracker's (issue 16's target for siamfc_ien_rs: within 20% of
the plain model's).

C8 on networks with C4 channel groups: the library metric counts an element only for the channel blocks whose
group holds it, so the 45-degree turns would drop out and C8 would repeat C4. Here, for C8, the pooled
features are instead compared under every element of C8 (orientation pooling makes each field a rotation
invariant, so ``T_g^-1`` is spatial only), with the same spatial masks and normalisation: this measures how far
C4 training carries to rotations it never saw. The interpolation floor (the exactly C8-equivariant reference
network on smooth random images) is printed beside it: no network can go below it.
"""
import argparse
import sys

import ien_common  # (also puts the repository root on sys.path)
import numpy as np
import torch

from core.cli import run_tool
from core.crop import crop_matrix, warp
from models.equivariance.actions import make_group
from models.equivariance.detail import feature_detail
from models.equivariance.metric import ErrorSum, equivariance_error, probe_images, response_error
from models.equivariance.taps import FeatureTaps
from models.equivariance.reference import reference_for
from models.preprocess import images_to_tensor
from tracker.registry import build_tracker, untrained


def probe_crops(sequences, frames_per_sequence: int, size: int, context: float = 0.5, region_size: int = 127):
    """``(N, 3, size, size)`` float crops of side ``size/region_size`` times the target's context region (SiamFC:
    the template region, context 0.5, is 127 px), centred on the target, from ``frames_per_sequence`` evenly
    spaced frames with a valid box of each sequence."""
    crops = []
    for seq in sequences:
        valid = np.flatnonzero(seq.valid)
        for i in valid[np.linspace(0, len(valid) - 1, frames_per_sequence).round().astype(int)]:
            x, y, w, h = seq.boxes[i]
            p = context * (w + h)
            side = np.sqrt((w + p) * (h + p)) * size / float(region_size)
            m = crop_matrix((x + w / 2, y + h / 2), side, size)
            crops.append(warp(seq.image(int(i)), m, size))
    return images_to_tensor(crops, "cpu")


def pooled_error_every_element(model, taps: dict, group_name: str, images, batch_size: int = 8) -> dict:
    """``{layer: E_l}`` of the orientation-pooled features under every non-identity element of the group, each
    pooled field treated as invariant (spatial ``T_g^-1`` only); see the module docstring for why."""
    group = make_group(group_name)
    hooks = FeatureTaps(model, list(taps))
    sums = {name: ErrorSum() for name in taps}
    model.eval()
    with torch.no_grad():
        for x in images.split(batch_size):
            with hooks.capture():
                model.search(x)
            targets = {name: channels.pool(hooks.get(name)) for name, channels in taps.items()}
            for e in range(1, group.size):
                g = torch.full((x.shape[0],), e, dtype=torch.long)
                with hooks.capture():
                    model.search(group.act(x, g))
                for name, channels in taps.items():
                    turned = group.act_inverse(channels.pool(hooks.get(name)), g)
                    sums[name].add(targets[name], turned, group.mask(g, *turned.shape[-2:]))
    return {name: s.value for name, s in sums.items()}


def tracker_crops(tracker, sequences, frames: int) -> tuple:
    """``(search, template)`` probe crops in the geometry the tracker feeds its network: SiamFC/SiamRPN's 255 and
    127 px crops of the context-0.5 template region, or the DCF network's one crop size (``model.crop_size``) of
    its own context region for both (its features are the crop's own size, so 255 px crops do not fit it)."""
    size = getattr(tracker.model, "crop_size", None)
    if size is None:
        return probe_crops(sequences, frames, 255), probe_crops(sequences, frames, 127)
    crops = probe_crops(sequences, frames, int(size), context=tracker.cfg.context, region_size=int(size))
    return crops, crops


def layer_errors(model, group: str, x):
    """The library metric for C4 (every element is held by the C4 blocks) and scale (no channel action); the
    every-element pooled variant for other rotation groups."""
    if group in ("C4", "scale"):
        return equivariance_error(model, model.ien_taps, group, x, forward=model.search)
    return pooled_error_every_element(model, model.ien_taps, group, x)


def print_ratio_table(title: str, values: dict, labels: list, fmt: str):
    """Rows of layers, a column per tracker, then each other tracker's value / the first's."""
    base, others = labels[0], labels[1:]
    short = {n: n.replace("siamfc_", "") for n in labels}
    rows = {layer: {**{n: values[n][layer] for n in labels},
                    **{("ratio", n): values[n][layer] / values[base][layer] for n in others}}
            for layer in values[base]}
    columns = [(n, short[n], fmt) for n in labels] + [(("ratio", n), f"{short[n]}/{short[base]}", ".2f")
                                                      for n in others]
    print(f"\n{title}")
    print(ien_common.table(rows, columns, first="layer"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trackers", nargs="+", default=list(ien_common.SHIPPED),
                        help="registered Siamese trackers or LABEL=NAME:WEIGHTS; the first is the one the others "
                             f"are divided by (default: {' '.join(ien_common.SHIPPED)})")
    parser.add_argument("--groups", nargs="+", default=["C4", "C8"], help="C4, C8, scale (default: C4 C8)")
    parser.add_argument("--frames", type=int, default=2, help="probe frames per validation sequence")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    variants = [ien_common.parse_variant(t) for t in args.trackers]
    trackers = {label: build_tracker(name, weights) for label, name, weights in variants}
    models = {label: tracker.model for label, tracker in trackers.items()}
    for label, name, weights in variants:
        if untrained(name, weights):
            print(f"{label}: random weights (no trained weights)")
    labels = list(models)
    sequences = ien_common.validation_sequences()
    crops = {label: tracker_crops(tracker, sequences, args.frames) for label, tracker in trackers.items()}
    print(f"{len(next(iter(crops.values()))[0])} probe crops from {len(sequences)} validation sequences "
          f"({args.frames} frames each), in each tracker's crop geometry")
    for group in args.groups:
        errors = {}
        for label, model in models.items():
            x, z = crops[label]
            errors[label] = layer_errors(model, group, x)
            if model.kind != "dcf":  # the DCF head solves a filter per crop pair: no cross-correlation map to turn
                errors[label]["response map"] = response_error(model, group, z, x)
        print_ratio_table(f"{group}: E_l (pooled features, search branch) and ratios to {labels[0]}", errors, labels,
                          ".4f")
        if group != "C4":
            torch.manual_seed(0)
            net = reference_for(group)
            floor = equivariance_error(net, net.ien_taps, group, probe_images(8, 65))
            print(f"interpolation floor ({group} reference network, smooth random 65 px images): "
                  + ", ".join(f"{k} {v:.4f}" for k, v in floor.items()))
    detail = {label: feature_detail(model, model.ien_taps, crops[label][0], forward=model.search)
              for label, model in models.items()}
    print_ratio_table(f"D_l: share of pooled feature energy above Nyquist/2 (search branch) and ratios to {labels[0]}",
                      detail, labels, ".3f")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
