"""How much a test score moves when the training labels move a little.

    python benchmarks/stability.py ../shared/devset labels
    python benchmarks/stability.py ../shared/devset labels --against /tmp/old-checkout/labels

For each seed, a fixed share of the labelled articles (``--drop``, 8% by default)
is left out at random and a model is trained on the rest, exactly as ``tagger
train`` does; each model is scored on TESTSET (paragraph level, as ``tagger
eval``). The spread over seeds is the noise a change in the labels has to beat:
on six test articles it is several points of F1, more than the bootstrap over
test paragraphs (``compare_models.py``) shows, because it also counts how the
model itself shifts.

With ``--against OTHER_LABELS`` the same articles are left out of both label
sets for each seed (articles only one of them has are always kept), so the
per-seed differences are paired: a change is worth having when it wins on
average and on most seeds, not when one lucky model wins.
Each model takes as long as ``tagger train`` (about 1-2 minutes here).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tagger.labels import LabelSet, read_labels
from tagger.model.evaluate import evaluate, read_eval_labels
from tagger.model.training import fit_model


def without(labels: LabelSet, dropped: set[str]) -> LabelSet:
    """``labels`` with the paragraphs and article labels of ``dropped`` articles left out."""
    paragraphs = labels.paragraphs[~labels.paragraphs["article"].isin(dropped)].reset_index(drop=True)
    articles = labels.articles[~labels.articles["article"].isin(dropped)].reset_index(drop=True)
    return LabelSet(labels.schema, paragraphs, articles, labels.files)


def headline_scores(labels: LabelSet, testset: Path) -> dict[str, float]:
    """Train on ``labels``; each task's headline score on the test set's paragraphs."""
    model = fit_model(labels)
    result = evaluate(model, read_eval_labels(model, testset), testset / "articles")
    return {
        task.name: result["paragraph"][task.name]["micro_f1" if task.multi_label else "macro_f1"]
        for task in labels.schema.tasks
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("testset", type=Path)
    parser.add_argument("labels", type=Path)
    parser.add_argument("--against", type=Path, help="a second labels folder, compared seed by seed")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--drop", type=float, default=0.08, help="share of articles left out per seed")
    args = parser.parse_args()

    sets = {"labels": read_labels(args.labels)}
    if args.against:
        sets["against"] = read_labels(args.against)
    shared = sorted(set.intersection(*(set(s.articles["article"]) for s in sets.values())))
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in sets}
    for seed in range(1, args.seeds + 1):
        dropped = set(random.Random(seed).sample(shared, round(args.drop * len(shared))))
        for name, labels in sets.items():
            scores = headline_scores(without(labels, dropped), args.testset)
            rows[name].append(scores)
            shown = "  ".join(f"{task} {value:.3f}" for task, value in scores.items())
            print(f"seed {seed}  {name:8s} {shown}", flush=True)
    tasks = list(rows["labels"][0])
    print(f"\nover {args.seeds} seeds, {args.drop:.0%} of {len(shared)} articles left out each time:")
    for name, runs in rows.items():
        for task in tasks:
            values = np.array([r[task] for r in runs])
            print(f"  {name:8s} {task:12s} mean {values.mean():.3f}  min {values.min():.3f}  max {values.max():.3f}")
    if args.against:
        print("paired differences, labels - against:")
        for task in tasks:
            diff = np.array([a[task] - b[task] for a, b in zip(rows["labels"], rows["against"])])
            per_seed = " ".join(f"{d:+.3f}" for d in diff)
            wins = int((diff > 0).sum())
            print(f"  {task:12s} mean {diff.mean():+.3f}  per seed {per_seed}  ({wins} of {len(diff)} ahead)")


if __name__ == "__main__":
    main()
