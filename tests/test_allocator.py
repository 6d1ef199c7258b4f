"""core.allocator: after keep_freed_memory, freeing and reallocating a large block costs no new page faults."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# 30 rounds of a fresh 64 MB tensor (as a training step's activations), written through: the minor page faults
# of those rounds, after 15 rounds of warm-up
ROUNDS = """
import resource, sys
import torch
sys.path.insert(0, {repo!r})
from core.allocator import keep_freed_memory
print(keep_freed_memory(), end=" ")
for _ in range(15):  # the heap grows over the first rounds (in top-pad steps), then its pages are reused
    torch.ones(16 << 20).sum()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(30):
    torch.ones(16 << 20).sum()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(keep: bool):
    env = {"IENTRACK_KEEP_FREED_MEMORY": "1" if keep else "0", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", ROUNDS.format(repo=str(REPO))], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_freed_memory_is_reused_without_page_faults():
    took, kept_faults = _faults(keep=True)
    assert took
    off, default_faults = _faults(keep=False)
    assert not off
    # glibc's default: every round maps 64 MB afresh, 16,384 pages of 4 kB each
    assert default_faults > 30 * 16384 * 0.9
    assert kept_faults < 1000
