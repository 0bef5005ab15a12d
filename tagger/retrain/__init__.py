"""The retraining loop: compare a new model with the current one, promote or roll back,
pick paragraphs worth labelling next, and find labels that are probably wrong.

Modules: :mod:`.compare` (same-fold comparison), :mod:`.promote` (atomic
promotion, candidates and rollback), :mod:`.suggest` (what to label next) and
:mod:`.check` (suspicious labels, duplicates, thin tags). Importing this package
imports nothing heavy; each module imports scikit-learn only when used.
"""
