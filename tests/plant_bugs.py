"""Plant known bugs one at a time in a temporary copy of the repository and report which tests catch each.

Why: a suite is only as good as the slips it notices. Each entry below is a plausible one-line mistake (the
first five were found passing every test before their tests existed); this script proves, repeatably, that the
tests named for it now fail on it, and that they pass on the unmodified tree.

    python tests/plant_bugs.py                 # every bug
    python tests/plant_bugs.py --only rpn_loss_positives_scored_as_background

Not a test module (pytest collects ``test_*.py`` only) and never run by the suite: it runs pytest itself, once
on the clean copy and once per bug, with ``OMP_NUM_THREADS=1`` and the suite's real-data path. Each bug is a
textual replacement that must match exactly once, so an edit to the code that moves the line is reported
instead of silently planting nothing. Exit status 0 when the clean copy passes and every bug is caught.
"""
import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCORING = "tests/test_siamrpn_scoring.py"
IEN = "tests/test_ien_loss_values.py"


@dataclass(frozen=True)
class Bug:
    name: str
    path: str
    old: str
    new: str
    tests: tuple


BUGS = (
    Bug("rpn_loss_positives_scored_as_background", "training/losses.py",
        "pos_term = -(log_p[..., 1] * pos)", "pos_term = -(log_p[..., 0] * pos)",
        (f"{SCORING}::test_rpn_loss_scores_positives_with_the_foreground_class",)),
    Bug("siamrpn_without_cosine_window", "tracker/siamrpn.py",
        "pscore = pscore * (1 - cfg.window_influence) + self.window * cfg.window_influence",
        "pscore = pscore * (1 - cfg.window_influence)",
        (f"{SCORING}::test_cosine_window_prefers_a_central_peak_to_a_stronger_far_one",)),
    Bug("siamrpn_window_summing_to_one", "tracker/siamrpn.py",
        "np.tile((window / window.max()).reshape(-1), k)", "np.tile(window.reshape(-1), k)",
        (f"{SCORING}::test_cosine_window_prefers_a_central_peak_to_a_stronger_far_one",)),
    Bug("siamrpn_lr_without_penalty", "tracker/siamrpn.py",
        "lr = penalty[best] * score[best] * cfg.lr", "lr = score[best] * cfg.lr",
        (f"{SCORING}::test_size_moves_by_the_penalised_confidence_times_lr",)),
    Bug("siamrpn_choice_without_penalty", "tracker/siamrpn.py",
        "pscore = penalty * score", "pscore = score",
        (f"{SCORING}::test_size_change_penalty_prefers_a_steady_box_to_a_stronger_deformed_one",)),
    Bug("multi_rpn_regression_with_classification_weights", "models/heads.py",
        "F.softmax(self.loc_weight, 0)", "F.softmax(self.cls_weight, 0)",
        (f"{SCORING}::test_multi_level_rpn_fuses_each_branch_with_its_own_weights",)),
    Bug("ien_masked_mse_over_all_entries", "models/equivariance/loss.py",
        "return squared / count if count > 0", "return squared / weight.numel() if count > 0",
        (f"{IEN}::test_masked_mean_divides_by_the_masked_entries",)),
    Bug("ien_loss_compares_features_with_themselves", "models/equivariance/loss.py",
        "aligned, weight = align_features(f[batch:], g,", "aligned, weight = align_features(f[:batch], g,",
        (f"{IEN}::test_a_fixed_bump_costs_its_hand_computed_loss",
         f"{IEN}::test_masked_mean_divides_by_the_masked_entries")),
    Bug("onepass_thresholds_inclusive", "eval/onepass.py",
        'rank = np.searchsorted(thresholds, values, side="left")',
        'rank = np.searchsorted(thresholds, values, side="right")',
        ("tests/test_got10k_oracle.py::test_otb_success_and_precision_equal_experiment_otb",)),
    Bug("got10k_predictions_not_clipped", "eval/got10k_metrics.py",
        "rect_iou(clip_to_image(p[1:], w, h),", "rect_iou((p[1:]),",
        ("tests/test_got10k_oracle.py::test_got10k_ao_sr_and_speed_equal_experiment_got10k",)),
    Bug("eao_failed_fragment_left_open", "eval/vot.py",
        "row = np.zeros(max_len)", "row = np.full(max_len, np.nan)",
        ("tests/test_vot_eao_oracle.py::test_eao_agrees_with_pysot_toolkit_arithmetic",)),
    Bug("eao_reinitialisation_past_the_end_dropped", "eval/vot.py",
        "if f + skipping <= n]", "if f + skipping < n]",
        ("tests/test_vot_eao_oracle.py::test_eao_agrees_with_pysot_toolkit_arithmetic",)),
)


def _shared_data() -> Path:
    """The real-data folder exactly as the suite resolves it (tests/conftest.py), for the copy's tests."""
    spec = importlib.util.spec_from_file_location("suite_conftest", REPO / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Path(module.SHARED_DATA).resolve()


def _failing(copy: Path, tests) -> list:
    """Node ids of ``tests`` that fail or error in ``copy``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", SHARED_DATA=str(_shared_data()))
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", *tests],
                         cwd=copy, env=env, capture_output=True, text=True).stdout
    return [line.split()[1] for line in out.splitlines() if line.startswith(("FAILED ", "ERROR "))]


def _summary(node_ids) -> str:
    """``test_a, test_b (3 cases)``: failing tests by function, parametrised cases counted."""
    counts = {}
    for node in node_ids:
        name = node.split("::")[-1].split("[")[0]
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(name + (f" ({n} cases)" if n > 1 else "") for name, n in counts.items())


def _plant(copy: Path, bug: Bug) -> str:
    """Apply ``bug`` to the copy; returns the original text so it can be put back."""
    target = copy / bug.path
    text = target.read_text()
    if text.count(bug.old) != 1:
        raise SystemExit(f"{bug.name}: {bug.path} contains {bug.old!r} {text.count(bug.old)} times, not once")
    target.write_text(text.replace(bug.old, bug.new))
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[b.name for b in BUGS],
                        help="plant only these bugs")
    args = parser.parse_args(argv)
    bugs = [b for b in BUGS if not args.only or b.name in args.only]
    with tempfile.TemporaryDirectory(prefix="plant_bugs_") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", ".pytest_cache"))
        tests = sorted({t for b in bugs for t in b.tests})
        clean = _failing(copy, tests)
        print(f"clean tree: {len(tests) - len(clean)}/{len(tests)} named tests pass" +
              (f"; failing: {', '.join(clean)}" if clean else ""))
        uncaught = []
        for bug in bugs:
            original = _plant(copy, bug)
            try:
                failed = _failing(copy, bug.tests)
            finally:
                (copy / bug.path).write_text(original)
            print(f"{bug.name} ({bug.path}) -> {_summary(failed) or 'NOT CAUGHT'}")
            if not failed:
                uncaught.append(bug.name)
    return 1 if clean or uncaught else 0


if __name__ == "__main__":
    sys.exit(main())
