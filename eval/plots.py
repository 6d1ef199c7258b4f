"""Success and precision plots as PNG files (matplotlib's Agg backend, plain text: no LaTeX needed).

matplotlib is imported inside ``plot_curves``, not at load time: importing pyplot costs about half a second,
and every tool that imports the report module (``eval_tracker``, ``test_tracker``) would pay it even when it
draws nothing."""
from pathlib import Path


def plot_curves(path, thresholds, curves: dict, title: str, xlabel: str, ylabel: str, fmt: str = "{:.3f}") -> Path:
    """One curve per tracker, best first, with its score in the legend. ``curves`` maps tracker name ->
    ``(curve, score)``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
    for name, (curve, score) in sorted(curves.items(), key=lambda kv: -kv[1][1]):
        ax.plot(thresholds, curve, linewidth=2, label=f"{name} [{fmt.format(score)}]")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(min(thresholds), max(thresholds)), ylim=(0, 1))
    ax.grid(True, linestyle=":")
    ax.legend(loc="lower left" if "Success" in title else "lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
