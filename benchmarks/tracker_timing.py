"""Where a tracker's frame time goes: a timing proxy around its network, and a profile of the rest by category.

Why a proxy and a profile: the network's time is measured exactly by wrapping :class:`tracker.network.Network`
(``run`` plus ``numpy``, which waits for the device), with no profiler overhead on the timed frames; the time
outside the network (crops, response upsampling, the rest of the geometry) is spread over many small calls, so a
separate profiled pass sums it by category from the call graph. The DCF tracker's FFTs are inside its network
parts (tracker/torch_graphs.py), so they count as network time.
"""
import cProfile
import pstats
import time

#: category -> test on a profiled function ``(file, line, name)``; a category's time is that of its calls made
#: from outside the category (so nested calls are not counted twice)
CATEGORIES = {
    "network": lambda f, name: name in ("run", "numpy") and f.endswith(("torch_network.py", "onnx_network.py")),
    "crops": lambda f, name: name in ("square_crop", "warp"),  # the Siamese trackers' and the DCF's (rotated)
    "upsampling": lambda f, name: name == "<resize>",
}


class TimedNetwork:
    """Forwards to ``network`` and adds the seconds spent in it to ``seconds``."""

    def __init__(self, network):
        self.network, self.facts, self.seconds = network, network.facts, 0.0

    def _timed(self, fn, *args):
        start = time.perf_counter()
        out = fn(*args)
        self.seconds += time.perf_counter() - start
        return out

    def run(self, part, *inputs):
        return self._timed(self.network.run, part, *inputs)

    def numpy(self, value):
        return self._timed(self.network.numpy, value)


def time_frames(tracker, frames) -> tuple:
    """``(seconds per frame, network seconds per frame)`` of ``tracker.update`` over ``frames`` (the network's
    share only for trackers with one)."""
    timed = TimedNetwork(tracker.network) if hasattr(tracker, "network") else None
    if timed is not None:
        tracker.network = timed
    start = time.perf_counter()
    for frame in frames:
        tracker.update(frame)
    total = (time.perf_counter() - start) / len(frames)
    if timed is not None:
        tracker.network = timed.network
    return total, (timed.seconds / len(frames) if timed else None)


def profile_frames(tracker, frames) -> dict:
    """Seconds per frame of each :data:`CATEGORIES` entry and ``other`` (the rest of ``update``)."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for frame in frames:
        tracker.update(frame)
    profiler.disable()
    total = time.perf_counter() - start
    stats = pstats.Stats(profiler).stats
    out = {}
    for category, match in CATEGORIES.items():
        seconds = 0.0
        for func, (_, _, _, _, callers) in stats.items():
            if match(func[0], func[2]):
                seconds += sum(c[3] for caller, c in callers.items() if not match(caller[0], caller[2]))
        out[category] = seconds / len(frames)
    out["other"] = total / len(frames) - sum(out.values())
    return out
