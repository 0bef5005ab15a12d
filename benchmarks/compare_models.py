"""Two models on one labelled test folder, with a paired bootstrap of the difference.

    python benchmarks/compare_models.py ../shared/devset models/default.previous models/default

TESTSET is a labelled folder (paragraphs.jsonl with article, index, text and one
column per task). Both models tag the same paragraphs, each article's paragraphs
in order (as ``tagger eval`` does); the paragraphs are then resampled with
replacement 1,000 times (fixed seed) and the score difference B - A recomputed,
which gives a 95% interval. On a small test set an interval that contains 0
means the test cannot tell the two models apart.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tagger
from benchmarks.resample import paragraph_decisions, resampled_scores
from tagger.model.evaluate import read_eval_labels
from tagger.model.training import headline_f1, task_targets


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("testset", type=Path)
    parser.add_argument("model_a", type=Path)
    parser.add_argument("model_b", type=Path)
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()

    models = [tagger.load(args.model_a), tagger.load(args.model_b)]
    labels = read_eval_labels(models[0], args.testset)
    frame = labels.paragraphs
    decided = [paragraph_decisions(model, frame) for model in models]
    print(f"{len(frame)} paragraphs; A = {models[0].meta.get('model_id')}, B = {models[1].meta.get('model_id')}")
    print(f"{'task':12} {'metric':9} {'A':>6} {'B':>6} {'B - A':>7}  95% interval")
    for task in models[0].schema.tasks:
        truth = task_targets(task, frame[task.name].tolist())
        pair = [d[task.name] for d in decided]
        a, b = (headline_f1(task, truth, predicted) for predicted in pair)
        draws = resampled_scores(task, truth, pair, args.rounds)
        low, high = np.percentile(draws[:, 1] - draws[:, 0], [2.5, 97.5])
        metric = ("micro" if task.multi_label else "macro") + "-F1"
        print(f"{task.name:12} {metric:9} {a:6.3f} {b:6.3f} {b - a:+7.3f}  [{low:+.3f}, {high:+.3f}]")


if __name__ == "__main__":
    main()
