"""Batch tagging: folders of article files or tables of texts, on one machine or on Dask.

* :mod:`tagger.batch.inputs` walks the paths, reads and decodes files, and cuts
  JSONL and CSV tables into records;
* :mod:`tagger.batch.rows` turns results into rows and writes JSONL, CSV or Parquet;
* :mod:`tagger.batch.run` tags chunks of files in worker processes, in input
  order, with a resumable checkpoint (``tagger tag`` and :func:`tagger.tag_paths`);
* :mod:`tagger.batch.frame` tags a pandas DataFrame column (:func:`tagger.predict_frame`);
* :mod:`tagger.batch.dask` runs the same work on a Dask cluster.

Nothing here is imported by ``import tagger``; the optional libraries (pyarrow,
trafilatura, dask) are imported only when a feature needs them.
"""
