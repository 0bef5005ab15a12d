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
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import tagger
from tagger.model.evaluate import read_eval_labels
from tagger.model.training import task_targets


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
    texts, articles = frame["text"].tolist(), frame["article"].to_numpy()
    decided = []
    for model in models:
        probs = model.paragraph_probabilities(texts, articles)
        decided.append({name: model.heads[name].decide(p) for name, p in probs.items()})
    rng = np.random.default_rng(0)
    print(f"{len(texts)} paragraphs; A = {models[0].meta.get('model_id')}, B = {models[1].meta.get('model_id')}")
    print(f"{'task':12} {'metric':9} {'A':>6} {'B':>6} {'B - A':>7}  95% interval")
    for task in models[0].schema.tasks:
        truth = task_targets(task, frame[task.name].tolist())
        average = "micro" if task.multi_label else "macro"

        def score(rows: np.ndarray, predicted: np.ndarray, truth=truth, average=average) -> float:
            return float(f1_score(truth[rows], predicted[rows], average=average, zero_division=0.0))

        every = np.arange(len(truth))
        a, b = (score(every, d[task.name]) for d in decided)
        differences = []
        for _ in range(args.rounds):
            rows = rng.integers(0, len(truth), len(truth))
            differences.append(score(rows, decided[1][task.name]) - score(rows, decided[0][task.name]))
        low, high = np.percentile(differences, [2.5, 97.5])
        print(f"{task.name:12} {average + '-F1':9} {a:6.3f} {b:6.3f} {b - a:+7.3f}  [{low:+.3f}, {high:+.3f}]")


if __name__ == "__main__":
    main()
