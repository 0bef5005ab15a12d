"""The same tagging on a Dask LocalCluster of 2 worker processes on loopback: the rows equal the local run's."""

from __future__ import annotations

import json

import pytest

import tagger
from tagger.batch.inputs import InputOptions
from tagger.batch.run import FileRun, InlineExecutor, TagOptions, register_model
from tests.test_batch_run import write_corpus

distributed = pytest.importorskip("distributed")
dask_bag = pytest.importorskip("dask.bag")
dask_dataframe = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    )
    with distributed.Client(cluster) as dask_client:
        yield dask_client
    cluster.close()


def _file_rows(model, corpus, out, executor):
    ref = register_model(model)
    job = FileRun([str(corpus)], out, model, ref, TagOptions("both", "jsonl", InputOptions()), files_per_chunk=4)
    job.prepare()
    stats = job.run(executor)
    return stats, out.read_text(encoding="utf-8")


def test_dask_rows_equal_the_local_run(weather_model, tmp_path, client):
    from tagger.batch.dask import DaskExecutor, tag_bag, tag_dataframe

    model, model_dir = weather_model
    corpus = write_corpus(tmp_path / "c", n=40)
    local_stats, local = _file_rows(model, corpus, tmp_path / "local.jsonl", InlineExecutor(register_model(model)))
    executor = DaskExecutor(client, register_model(model, model_dir), model=model)
    dask_stats, remote = _file_rows(model, corpus, tmp_path / "dask.jsonl", executor)
    assert remote == local and dask_stats.errors == local_stats.errors == 4
    assert dask_stats.tags == local_stats.tags

    # Each worker process loaded the model once, whatever the number of tasks it ran.
    def loaded():
        from tagger.batch import run

        return sorted(run._MODELS)

    per_worker = client.run(loaded)
    assert len(per_worker) == 2 and all(len(keys) == 1 for keys in per_worker.values())

    # A bag of paths, a bag of texts and a DataFrame of texts give the local rows too.
    paths = sorted(str(p) for p in corpus.rglob("a00*.txt"))
    bag_rows = tag_bag(dask_bag.from_sequence(paths, npartitions=3), model=model_dir, kind="path").compute()
    assert bag_rows == [r for p in paths for r in tagger.tag_paths(p, model=model_dir)]
    texts = [{"id": p, "text": open(p, encoding="utf-8").read()} for p in paths]
    text_rows = tag_bag(dask_bag.from_sequence(texts, npartitions=2), model=model).compute()
    local_rows = [json.loads(line) for line in local.splitlines()]
    by_id = {r["path"]: r for r in local_rows if r["level"] == "article"}
    assert len(text_rows) == len(paths)
    for row in text_rows:
        assert row["sky"] == by_id[row["id"]]["sky"] and row["score.mood.alarm"] == by_id[row["id"]]["score.mood.alarm"]

    import pandas as pd

    frame = pd.DataFrame({"body": [t["text"] for t in texts] + [None]})
    tagged = tag_dataframe(dask_dataframe.from_pandas(frame, npartitions=2), "body", model=model_dir).compute()
    expected = tagger.predict_frame(frame, "body", model=model)
    added = [c for c in expected.columns if c != "body"]
    pd.testing.assert_frame_equal(tagged[added], expected[added])


def test_cli_with_a_dask_scheduler_address(weather_model, tmp_path, client, capsys):
    from tagger.cli.main import main

    _, model_dir = weather_model
    corpus = write_corpus(tmp_path / "c", n=10)
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    assert main(["tag", str(corpus), "-o", str(local), "--model", str(model_dir), "-q"]) == 1
    address = client.scheduler.address
    assert main(["tag", str(corpus), "-o", str(remote), "--model", str(model_dir), "-q", "--dask", address]) == 1
    assert remote.read_bytes() == local.read_bytes()
