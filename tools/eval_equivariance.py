"""Print the IEN equivariance error E_l of every tapped layer (and of the response map) and write it as JSON.

    python tools/eval_equivariance.py --reference [--group C4|C8|D4|D8|scale] [--form pooled|regular]
    python tools/eval_equivariance.py --tracker NAME [--checkpoint PATH] [--group C8] [--images 8] [--json OUT]
    python tools/eval_equivariance.py --checkpoint runs/x/model.safetensors   (weights written by the trainer)

E_l = ||P f_l(x) - T_g^-1 P f_l(T_g x)||^2 / ||P f_l(x) - mean||^2 over all non-identity elements (see
models/equivariance/metric.py): 0 is exact, about 2 unrelated. For groups that resample (C8 odd turns, scale),
the same figure on the reference network built for that group is printed beside it: the interpolation floor.
Probe inputs are deterministic smooth random images.
"""
import argparse
import json
import sys

import _bootstrap  # noqa: F401
import torch

from core.cli import run_tool
from core.errors import TrackingError
from eval.results_io import atomic_write
from models.equivariance.actions import make_group
from models.equivariance.metric import equivariance_error, probe_images, response_error
from models.equivariance.reference import reference_for

GROUPS = ("C4", "C8", "D4", "D8", "scale")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracker", help="registered tracker name or config .yaml")
    parser.add_argument("--reference", action="store_true", help="the exactly-C4-equivariant reference network")
    parser.add_argument("--checkpoint", help="weights for --tracker (default: the tracker's shipped weights); "
                                             "alone, trainer-written weights that carry their config")
    parser.add_argument("--group", default="C4", choices=GROUPS)
    parser.add_argument("--form", default="pooled", choices=("pooled", "regular"))
    parser.add_argument("--images", type=int, default=8, help="number of probe images (default 8)")
    parser.add_argument("--size", type=int, help="probe size: search crop (default 255) or reference input (65)")
    parser.add_argument("--template-size", type=int, default=127, help="template crop size for the response map")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.reference == bool(args.tracker or args.checkpoint):
        parser.error("give one of --tracker NAME, --checkpoint PATH or --reference")
    if args.images < 1:
        parser.error("--images must be >= 1")
    if args.size is not None and args.size < 32:
        parser.error("--size must be >= 32: on smaller probes the borders dominate and even an exactly "
                     "equivariant network shows a large error")
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
    return layers, response_error(model, args.group, z, x), size


def print_table(title, errors):
    print(title)
    width = max(len(name) for name in errors)
    for name, value in errors.items():
        print(f"  {name:<{width}}  E = {value:.3e}")


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
        layers, response, size = tracker_errors(args)
        payload.update(source=args.tracker or args.checkpoint, checkpoint=args.checkpoint, size=size, layers=layers, response=response)
        print_table(f"{args.tracker or args.checkpoint}, {args.group}, {args.form}, {args.images} images of {size} px", layers)
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
