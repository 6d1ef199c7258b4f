"""EAO against an independent oracle: pysot-toolkit's EAO arithmetic (``pysot/evaluation/eao_benchmark.py``
and ``calculate_expected_overlap`` in ``pysot/utils/statistics.py``), rewritten here step by step in its own
form (a NaN-initialised fragment matrix, per-fragment weights from the ``all`` tag, a loop over lengths), run
on synthetic supervised runs with failures, skipped frames, re-initialisations, polygon and box ground truth,
boxes leaving the image, and lengths on both sides of every year's interval.

Both sides take their per-frame overlaps from ``eval.overlap.vot_overlaps`` with pysot's EAO bound
``(W - 1, H - 1)`` (the overlap itself is checked by hand in ``test_eval_vot.py``); what is compared is
everything after it. pysot-toolkit reads all repetition files only when there are 15 (otherwise one); the oracle
takes the runs it is given, weighting each sequence's runs by 1 / repetitions as pysot does.
"""
import numpy as np
import pytest

from datasets.sequence import Sequence
from eval.overlap import vot_overlaps
from eval.vot import EAO_INTERVALS, eao_from_curve, evaluate_vot, failures

SKIPPING = 5
LENGTHS = (60, 123, 207, 290, 400)
SIZE = (320, 240)
REPETITIONS = 2


def oracle_curve(runs_per_sequence, gts, sizes):
    """pysot-toolkit's expected-overlap curve (float32) for ``runs_per_sequence`` (lists of runs)."""
    all_overlaps, all_failures, gt_lengths = [], [], []
    for runs, gt, (w, h) in zip(runs_per_sequence, gts, sizes):
        for run in runs:
            n = min(len(run), len(gt))
            all_overlaps.append(vot_overlaps(run[:n], gt[:n], (w - 1, h - 1)))
            all_failures.append([i for i, r in enumerate(run) if len(r) == 1 and r[0] == 2])
            gt_lengths.append(len(gt))
    seq_weight = 1.0 / len(runs_per_sequence[-1])           # pysot: 1 / repetitions of the last sequence
    max_len = max(len(o) for o in all_overlaps)
    fragments = np.full((sum(len(f) + 1 for f in all_failures), max_len), np.nan)
    weights = np.full(len(fragments), np.nan)
    row = 0
    for overlaps, fails, gt_len in zip(all_overlaps, all_failures, gt_lengths):
        tag_all = np.ones(gt_len)                             # the 'all' tag: 1 on every ground-truth frame
        if not fails:
            m = min(len(overlaps), max_len)
            fragments[row, :m] = overlaps[:m]
            weights[row] = seq_weight * tag_all[:m].sum() / m
            row += 1
            continue
        starts = [0] + [f + SKIPPING for f in fails if f + SKIPPING <= len(overlaps)]
        for k, start in enumerate(starts):
            if k < len(starts) - 1:                           # closed by a failure: zeros to the right
                stop = starts[k + 1]
                piece = np.array(overlaps[start:stop + 1])
                fragments[row, :] = 0.0
                weight = tag_all[start:stop + 1].sum() / (stop - start + 1)
            else:                                             # the run's last fragment: open
                piece = np.array(overlaps[start:])
                weight = tag_all[start:len(overlaps)].sum() / (gt_len - start + 1e-16)
            piece[np.isnan(piece)] = 0.0
            fragments[row, :len(piece)] = piece
            weights[row] = seq_weight * weight
            row += 1
    curve = np.zeros(max_len, np.float32)
    curve[0] = 1.0
    for i in range(1, max_len):
        alive = ~np.isnan(fragments[:, i])
        if alive.any():
            mean_to_i = fragments[alive, 1:i + 1].sum(axis=1) / i
            curve[i] = (mean_to_i * weights[alive]).sum() / weights[alive].sum()
    return curve


def oracle_eao(curve, interval):
    """pysot-toolkit's EAO: the curve's mean over the lengths ``low..high`` it has (NaN entries left out)."""
    low, high = interval
    in_interval = np.zeros(len(curve))
    in_interval[low - 1:high] = 1.0
    ok = ~np.isnan(curve)
    return float((curve[ok] * in_interval[ok]).sum() / in_interval[ok].sum())


def _ground_truth(n, rng, polygon):
    """A target wandering over the image (partly leaving it at times), turning if ``polygon``."""
    t = np.arange(n)
    cx = 160 + 150 * np.sin(t / 37.0 + rng.uniform(0, 6))
    cy = 120 + 100 * np.sin(t / 23.0 + rng.uniform(0, 6))
    w = 40 + 15 * np.sin(t / 19.0)
    h = 30 + 10 * np.cos(t / 29.0)
    if not polygon:
        return np.column_stack([cx - w / 2, cy - h / 2, w, h])
    angle = 0.4 * np.sin(t / 31.0)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) / 2
    pts = []
    for (ux, uy) in corners:
        x, y = ux * w, uy * h
        pts += [cx + x * np.cos(angle) - y * np.sin(angle), cy + x * np.sin(angle) + y * np.cos(angle)]
    return np.column_stack(pts)


def _supervised_run(gt_boxes, rng, fail_rate, forced=()):
    """Records of the supervised protocol: ``[1]`` (re)initialisation, a noisy box per tracked frame, ``[2]`` at
    a failure, ``[0]`` on the 4 skipped frames, re-initialisation 5 frames after the failure."""
    n = len(gt_boxes)
    run, i = [[1]], 1
    drift = np.zeros(4)
    while i < n:
        if i in forced or rng.random() < fail_rate:
            run.append([2])
            skipped = min(SKIPPING - 1, n - i - 1)
            run += [[0]] * skipped
            i += 1 + skipped
            if i < n:
                run.append([1])
                i += 1
            drift[:] = 0.0
            continue
        drift += rng.normal(0, [1.5, 1.5, 0.8, 0.8])
        box = gt_boxes[i] + drift + rng.normal(0, 2.0, 4)
        box[2:] = np.maximum(box[2:], 2.0)
        run.append(box.round(3).tolist())
        i += 1
    return run


@pytest.fixture(scope="module")
def synthetic():
    rng = np.random.default_rng(2024)
    sequences, runs = [], {}
    for k, n in enumerate(LENGTHS):
        gt = _ground_truth(n, rng, polygon=k % 2 == 0)
        seq = Sequence(f"s{k}", [f"{i}.jpg" for i in range(n)], gt, _image_size=SIZE)
        boxes = seq.boxes
        reps = [_supervised_run(boxes, rng, fail_rate=[0.0, 0.01, 0.02][(k + r) % 3]) for r in range(REPETITIONS)]
        sequences.append(seq)
        runs[seq.name] = reps
    # edge cases: a failure on the last frame, one whose re-initialisation would fall exactly one past the end,
    # and one with no room to re-initialise
    last = sequences[-1]
    runs[last.name][0] = _supervised_run(last.boxes, rng, 0.0, forced={len(last) - 1})
    runs[sequences[2].name][1] = _supervised_run(sequences[2].boxes, rng, 0.0, forced={50, len(sequences[2]) - 5})
    runs[sequences[1].name][0] = _supervised_run(sequences[1].boxes, rng, 0.0, forced={len(sequences[1]) - 3})
    return sequences, runs


def test_synthetic_runs_exercise_failures_reinitialisation_and_open_fragments(synthetic):
    sequences, runs = synthetic
    counts = [len(failures(run)) for seq in sequences for run in runs[seq.name]]
    assert sum(counts) >= 10 and 0 in counts
    assert all(len(run) == len(seq) for seq in sequences for run in runs[seq.name])


def test_eao_agrees_with_pysot_toolkit_arithmetic(synthetic):
    sequences, runs = synthetic
    ours = evaluate_vot(sequences, runs, "VOT2018")
    gts = [list(seq.ground_truth) for seq in sequences]
    sizes = [seq.image_size for seq in sequences]
    curve = oracle_curve([runs[s.name] for s in sequences], gts, sizes)
    reference = oracle_eao(curve, EAO_INTERVALS["VOT2018"])
    assert 0.1 < reference < 0.9
    assert ours.eao == pytest.approx(reference, abs=1e-9, rel=0)
    np.testing.assert_allclose(ours.curve, curve, rtol=0, atol=1e-6)       # both float32
    # the other years' intervals, and one reaching past the longest run, on the same curve
    for interval in [EAO_INTERVALS["VOT2016"], EAO_INTERVALS["VOT2019"], (300, 500)]:
        assert eao_from_curve(ours.curve, interval) == pytest.approx(oracle_eao(curve, interval), abs=1e-9, rel=0)
