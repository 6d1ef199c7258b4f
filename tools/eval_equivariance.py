"""Print the IEN equivariance error E_l of every tapped layer (and of the response map) and write it as JSON.

    python tools/eval_equivariance.py --reference [--group C4|C8|D4|D8|scale] [--form pooled|regular]
    python tools/eval_equivariance.py --tracker NAME [--checkpoint PATH] [--group C8] [--images 8] [--json OUT]
    python tools/eval_equivariance.py --checkpoint runs/x/model.safetensors   (weights written by the trainer)

E_l = ||P f_l(x) - T_g^-1 P f_l(T_g x)||^2 / ||P f_l(x) - mean||^2 over all non-identity elements (see
models/equivariance/metric.py): 0 is exact, about 2 unrelated. Beside it, for a tracker, D_l: the share of the
layer's feature energy above half the Nyquist frequency on the same probes (models/equivariance/detail.py), since
a zoom, acting on no channel, is also met by features that blur away detail. For groups that resample (C8 odd turns, scale),
the same figure on the reference network built for that group is printed beside it: the interpolation floor.
Probe inputs are deterministic smooth random images (not real crops: benchmarks/bench_equivariance.py measures on
real validation-video crops, which is where benchmarks/RESULTS_ien.md's figures come from). A learned tracker
without trained weights is measured as it is, and its table says "random weights".

--reference builds the exactly equivariant reference network of models/equivariance/reference.py for the group:
  C4, D4   order-4 group convolutions with 3x3 filters turned by exact 90-degree rotations: E is 0 up to float
           rounding under C4; reflections are not built in, so D4's figure includes the mirror error
  C8, D8   order-8 group convolutions with 5x5 disk filters turned by bilinear resampling: equivariant up to
           interpolation (the floor printed beside a tracker's C8 figures); D8 adds the mirror error
  scale    a pointwise network (1x1 filters): under zooms it measures resampling alone
"""
import argparse
import json
import sys

import _bootstrap  # noqa: F401
import torch

from core.cli import run_tool
from core.device import add_device_argument, choose_device
from core.errors import TrackingError
from eval.results_io import atomic_write
from models.equivariance.actions import make_group
from models.equivariance.detail import feature_detail
from models.equivariance.metric import equivariance_error, probe_images, response_error
from models.equivariance.reference import reference_for

GROUPS = ("C4", "C8", "D4", "D8", "scale")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tracker", metavar="NAME_OR_CONFIG", help="registered tracker name or config .yaml")
    parser.add_argument("--reference", action="store_true",
                        help="measure the reference network built for --group instead of a tracker (what it is "
                             "for each group: above)")
    parser.add_argument("--checkpoint", metavar="PATH",
                        help="weights for --tracker (default: the tracker's shipped weights); "
                             "alone, trainer-written weights that carry their config")
    parser.add_argument("--group", default="C4", choices=GROUPS,
                        help="group whose non-identity elements act on the probes (default: C4)")
    parser.add_argument("--form", default="pooled", choices=("pooled", "regular"),
                        help="compare orientation-pooled features (pooled, what the tracker correlates) or the "
                             "full orientation fields with their channels rolled (regular) (default: pooled)")
    parser.add_argument("--images", type=int, default=8, help="number of probe images (default: 8)")
    parser.add_argument("--size", type=int, metavar="PX",
                        help="probe size: search crop (default: 255) or reference input (default: 65)")
    parser.add_argument("--template-size", type=int, default=127, metavar="PX",
                        help="template crop size for the response map (default: 127)")
    add_device_argument(parser)
    parser.add_argument("--seed", type=int, default=0, help="seed of the probe images and reference weights "
                                                            "(default: 0)")
    parser.add_argument("--json", metavar="FILE", help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.reference == bool(args.tracker or args.checkpoint):
        parser.error("give one of --tracker NAME, --checkpoint PATH or --reference")
    if args.images < 1:
        parser.error("--images must be >= 1")
    if args.size is not None and args.size < 32:
        parser.error("--size must be >= 32: on smaller probes the borders dominate and even an exactly "
                     "equivariant network shows a large error")
    args.device = str(choose_device(args.device))
    return args


def as_pixels(images):
    """Probe images as raw 0..255 network input (the project's convention, models/preprocess.py)."""
    return (128.0 + 48.0 * images).clamp(0.0, 255.0)


def reference_errors(group, form, count, size, seed, device):
    torch.manual_seed(seed)
    net = reference_for(group).to(device)
    images = probe_images(count, size, seed=seed).to(device)
    return equivariance_error(net, net.ien_taps, group, images, form=form)


def tracker_errors(args):
    from tracker.builder import build_from_checkpoint
    from tracker.registry import build_tracker

    if args.tracker:
        tracker = build_tracker(args.tracker, args.checkpoint, args.device)
    else:
        tracker = build_from_checkpoint(args.checkpoint, args.device)
    model = getattr(tracker, "model", None)
    if model is None or not getattr(model, "ien_taps", None):
        raise TrackingError(f"tracker {args.tracker or args.checkpoint} has no network with IEN taps (model.ien_taps)")
    size = args.size or 255
    x = as_pixels(probe_images(args.images, size, seed=args.seed)).to(args.device)
    z = as_pixels(probe_images(args.images, args.template_size, seed=args.seed + 1)).to(args.device)
    layers = equivariance_error(model, model.ien_taps, args.group, x, form=args.form, forward=model.search)
    detail = feature_detail(model, model.ien_taps, x, form=args.form, forward=model.search)
    return layers, detail, response_error(model, args.group, z, x), size


def print_table(title, errors, detail=None):
    """One row per layer: E, and D where ``detail`` has it."""
    print(title)
    width = max(len(name) for name in errors)
    for name, value in errors.items():
        extra = f"  D = {detail[name]:.3f}" if detail and name in detail else ""
        print(f"  {name:<{width}}  E = {value:.3e}{extra}")


def main(argv=None):
    args = parse_args(argv)
    group = make_group(args.group)
    resamples = not all(group.exact(e) for e in group.elements())
    payload = {"group": args.group, "form": args.form, "images": args.images}
    if args.reference:
        size = args.size or 65
        payload.update(source="reference", size=size,
                       layers=reference_errors(args.group, args.form, args.images, size, args.seed, args.device))
        print_table(f"reference network, {args.group}, {args.form}, {args.images} images of {size} px",
                    payload["layers"])
    else:
        from tracker.registry import untrained

        random_weights = bool(args.tracker) and untrained(args.tracker, args.checkpoint)
        layers, detail, response, size = tracker_errors(args)
        payload.update(source=args.tracker or args.checkpoint, checkpoint=args.checkpoint, size=size, layers=layers,
                       detail=detail, response=response, random_weights=random_weights)
        source = (args.tracker or args.checkpoint) + (" (random weights)" if random_weights else "")
        print_table(f"{source}, {args.group}, {args.form}, {args.images} images of {size} px "
                    "(D: share of feature energy above Nyquist/2)", layers, detail)
        print(f"  {'response map':<12}  E = {response:.3e}")
        if resamples:
            payload["floor"] = reference_errors(args.group, args.form, args.images, 65, args.seed, args.device)
            print_table(f"interpolation floor: reference network for {args.group} on 65 px images",
                        payload["floor"])
    if args.json:
        atomic_write(args.json, json.dumps(payload, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(run_tool(main))
