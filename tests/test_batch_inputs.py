"""Batch inputs: decoding, the folder walk, tables, and files that cannot be read."""

from __future__ import annotations

import codecs
import json
import os

import pytest

from tagger.batch import inputs
from tagger.batch.inputs import (
    InputOptions,
    Unit,
    UnitError,
    decode_bytes,
    iter_units,
    parse_size,
    read_bytes,
    walk,
)

TEXT = "Gusts tore at the rooftops in the café district; “stay indoors”, officials said."


# -- decoding ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32-le"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_decoding_records_the_encoding(data, encoding):
    text, used = decode_bytes(data)
    assert (text, used) == (TEXT, encoding)


def test_fallback_encoding_can_be_chosen():
    arabic = "هبت رياح قوية على الساحل"
    data = arabic.encode("cp1256")
    assert decode_bytes(data, "cp1256") == (arabic, "cp1256")
    # The default fallback still decodes it (as cp1252 mojibake) rather than failing: it is documented.
    assert decode_bytes(data)[1] == "cp1252"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b" \n\t\n", "empty file"),
        (b"rain\x00\x00wind", "binary"),
        (bytes(range(1, 8)) * 40, "binary"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary"),
        (b"showers \x81\x8d\x8f\x90 here", "undecodable"),
        (codecs.BOM_UTF8 + b"bad \xff byte", "undecodable"),
    ],
)
def test_undecodable_binary_and_empty_bytes_are_unit_errors(data, reason):
    with pytest.raises(UnitError, match=reason):
        decode_bytes(data)


def test_parse_size():
    assert parse_size("200MB") == 200 * 1024**2
    assert parse_size("64k") == 65536
    assert parse_size("1000") == 1000
    with pytest.raises(ValueError, match="not a size"):
        parse_size("lots")


# -- the walk ------------------------------------------------------------------------------


def _tree(root):
    files = [
        "b/2.txt",
        "b/10.md",
        "a.txt",
        "a/z.html",
        "c.csv",
        "notes.docx",
        ".hidden/x.txt",
        ".draft.txt",
        "drafts/d.txt",
    ]
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("Clear skies lasted all afternoon.\n", encoding="utf-8")
    return root


def test_walk_is_sorted_recursive_and_skips_hidden_and_other_types(tmp_path):
    root = _tree(tmp_path / "in")
    found = list(walk([root]))
    assert [f.id for f in found] == ["a/z.html", "a.txt", "b/10.md", "b/2.txt", "c.csv", "drafts/d.txt"]
    assert [f.key for f in found] == sorted(f.key for f in found)
    assert all(f.error is None and f.size > 0 for f in found)
    # The order does not depend on the order the file system lists entries in.
    assert [f.id for f in walk([root])] == [f.id for f in found]


def test_include_and_exclude_globs(tmp_path):
    root = _tree(tmp_path / "in")
    assert [f.id for f in walk([root], include=["*.txt"])] == ["a.txt", "b/2.txt", "drafts/d.txt"]
    assert [f.id for f in walk([root], exclude=["drafts", "b/*"])] == ["a/z.html", "a.txt", "c.csv"]
    assert [f.id for f in walk([root], include=["b/*"], exclude=["*.md"])] == ["b/2.txt"]


def test_several_paths_keep_their_order_and_a_file_argument_is_taken_as_is(tmp_path):
    root = _tree(tmp_path / "in")
    found = list(walk([root / "b", root / "a.txt"]))
    assert [(f.key[0], f.id) for f in found] == [(0, "10.md"), (0, "2.txt"), (1, "a.txt")]


def test_directory_symlink_loop_is_an_error_and_the_walk_goes_on(tmp_path):
    root = _tree(tmp_path / "in")
    os.symlink(root, root / "b" / "loop")
    os.symlink(root / "nowhere.txt", root / "broken.txt")
    found = list(walk([root]))
    errors = {f.id: f.error for f in found if f.error}
    assert "symlink loop" in errors["b/loop"]
    assert errors["broken.txt"] == "broken symbolic link"
    assert "c.csv" in [f.id for f in found] and "drafts/d.txt" in [f.id for f in found]


def test_the_output_and_its_sidecars_are_never_read(tmp_path):
    root = _tree(tmp_path / "in")
    (root / "out.csv").write_text("text\nsome text\n", encoding="utf-8")
    ids = [f.id for f in walk([root], skip=[root / "out.csv"])]
    assert "out.csv" not in ids and "c.csv" in ids


# -- reading files ----------------------------------------------------------------------------


def test_a_200_mb_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as stream:
        stream.truncate(200 * 1024 * 1024)  # sparse: no 200 MB written
    with pytest.raises(UnitError, match=r"file too large: 209\.7 MB"):
        read_bytes(str(big), max_bytes=50 * 1024 * 1024)


def test_unreadable_and_vanished_files(tmp_path, monkeypatch):
    path = tmp_path / "gone.txt"
    with pytest.raises(UnitError, match="no such file"):
        read_bytes(str(path))
    path.write_text("Drizzle lingered over the harbour.", encoding="utf-8")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(inputs, "open", denied, raising=False)
    with pytest.raises(UnitError, match="permission denied"):
        read_bytes(str(path))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_by_mode(tmp_path):
    path = tmp_path / "locked.txt"
    path.write_text("A gale battered the pier.", encoding="utf-8")
    path.chmod(0)
    with pytest.raises(UnitError, match="permission denied"):
        read_bytes(str(path))


# -- tables ----------------------------------------------------------------------------------------


def _units(path, **options):
    return list(iter_units(walk([path]), InputOptions(**options)))


def test_jsonl_records_with_ids_and_per_record_errors(tmp_path):
    path = tmp_path / "t.jsonl"
    lines = [
        json.dumps({"id": "n1", "text": "Showers soaked the valley."}),
        "",
        json.dumps({"id": 7}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"text": "A gale battered the pier."}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (unit,) = _units(path)
    assert unit.kind == "records" and unit.encoding == "utf-8"
    got = [(r.number, r.id, r.text, r.error) for r in unit.records]
    assert got[0] == (1, "n1", "Showers soaked the valley.", None)
    assert got[1][:2] == (3, "7") and "no 'text' field" in got[1][3]
    assert got[2][0] == 4 and "not valid JSON" in got[2][3]
    assert got[3][0] == 5 and "expected a JSON object" in got[3][3]
    assert got[4] == (6, "6", "A gale battered the pier.", None)  # no id: the line number


def test_csv_without_the_text_column_is_one_file_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,body\n1,Clear skies lasted all afternoon.\n", encoding="utf-8")
    (unit,) = _units(path)
    assert unit.kind == "error" and "no column 'text'" in unit.error and "--text-column" in unit.error
    (unit,) = _units(path, text_column="body")
    assert [(r.id, r.text) for r in unit.records] == [("1", "Clear skies lasted all afternoon.")]
    (unit,) = _units(path, text_column="body", id_column="key", id_column_given=True)
    assert unit.kind == "error" and "no column 'key'" in unit.error


def test_utf16_csv_with_quoted_newlines_and_chunked_records(tmp_path):
    path = tmp_path / "t.csv"
    rows = ["id,text\n"] + [f'r{i},"Line one of {i},\nline two."\n' for i in range(5)]
    path.write_bytes(codecs.BOM_UTF16_LE + "".join(rows).encode("utf-16-le"))
    units = _units(path, records_per_unit=2)
    assert [u.key[2] for u in units] == [1, 3, 5] and [u.starts_file for u in units] == [True, False, False]
    assert units[0].encoding == "utf-16-le"
    assert units[0].records[1].text == "Line one of 1,\nline two."
    # Resume: units at or before a key are skipped.
    after = units[0].key
    assert [u.key for u in iter_units(walk([path]), InputOptions(records_per_unit=2), after)] == [
        units[1].key,
        units[2].key,
    ]


def test_an_undecodable_line_in_a_table_fails_alone(tmp_path):
    path = tmp_path / "t.jsonl"
    good = "".join(json.dumps({"text": f"Sunny spells broke through, day {i}."}) + "\n" for i in range(2000))
    assert len(good) > 70000  # past the first 64 KB that decide the encoding
    path.write_bytes(good.encode("utf-8") + b'{"text": "bad \xff byte"}\n' + good.splitlines(True)[0].encode("utf-8"))
    records = [r for u in _units(path) for r in u.records]
    assert len(records) == 2002 and all(r.error is None for r in records[:2000] + records[2001:])
    assert records[2000].number == 2001 and "not valid in the file's encoding" in records[2000].error


def test_empty_and_binary_tables_are_errors(tmp_path):
    (tmp_path / "e.jsonl").write_bytes(b"")
    (tmp_path / "b.csv").write_bytes(b"id,text\x00\x01\x02")
    errors = {u.id: u.error for u in _units(tmp_path)}
    assert errors == {"b.csv": "binary file (contains NUL bytes)", "e.jsonl": "empty file"}


def test_unit_record_property():
    assert Unit((0, ("a",), 0), "a", "a", "text").record is None
    assert Unit((0, ("a",), 4), "a", "a", "records").record == 4
