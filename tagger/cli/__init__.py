"""The ``tagger`` command line: thin wrappers over the Python API."""
