"""What the readers do with real-world exports: bytes, line breaks, stray files and paths that are files.

Each case writes its own small file and reads it once; expected rows are written out by hand,
bytes and their base64 included.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import IntegerType, StringType, StructField, StructType

from {{ cookiecutter.job_name }}.kit.contracts import Contract
from {{ cookiecutter.job_name }}.kit.contracts.compliance import (
    CORRUPT_RECORD_COLUMN,
    INVALID_BYTES_COLUMN,
    ContractViolationError,
    Policy,
    Violation,
)
from {{ cookiecutter.job_name }}.kit.declarations import (
    DeclarationError,
    parse_declaration,
)
from {{ cookiecutter.job_name }}.kit.io.quarantine import enforce
from {{ cookiecutter.job_name }}.kit.io.readers import (
    InputNotFoundError,
    check_encoding,
    read_csv,
    read_json,
)
from {{ cookiecutter.job_name }}.kit.testing.quarantine import read_quarantine

NOTES = Contract(
    "notes",
    StructType(
        [
            StructField("note_id", IntegerType(), False),
            StructField("text", StringType(), True),
            StructField("pages", IntegerType(), True),
        ]
    ),
)
RUN_ID = "run-3"
COLUMNS = [*NOTES.columns, CORRUPT_RECORD_COLUMN, INVALID_BYTES_COLUMN]
INVALID_TEXT = "bytes that are not valid in the declared encoding"


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder


def rows(spark: SparkSession, folder: Path, encoding: str = "UTF-8") -> list[tuple[object, ...]]:
    frame = read_csv(spark, str(folder), NOTES, encoding=encoding)
    return sorted((tuple(row) for row in frame.select(*COLUMNS).collect()), key=repr)


def test_a_quoted_line_break_is_one_record_not_two_broken_ones(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "notes.csv", b'note_id,text,pages\n1,"first line\nsecond line",2\n2,b,3\n')

    assert rows(spark, folder) == [(1, "first line\nsecond line", 2, None, None), (2, "b", 3, None, None)]


def test_a_crlf_file_with_a_quoted_line_break_reads_as_one_record(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "notes.csv", b'note_id,text,pages\r\n1,"a\r\nb",2\r\n')

    # Spark's CSV parser reads a line break inside quotes as \n, whichever the file uses.
    assert rows(spark, folder) == [(1, "a\nb", 2, None, None)]


def test_valid_utf8_is_decoded(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "notes.csv", "note_id,text,pages\n1,café 東京 😀,2\n".encode())

    assert rows(spark, folder) == [(1, "café 東京 😀", 2, None, None)]


def test_an_invalid_utf8_byte_is_quarantined_with_the_exact_bytes(spark: SparkSession, tmp_path: Path) -> None:
    # b"caf\xe9" is café in Latin-1: not UTF-8. Spark alone would read 'caf\ufffd' and lose the byte.
    folder = write_bytes(tmp_path / "notes", "notes.csv", b"note_id,text,pages\n1,caf\xe9,2\n2,fine,3\n")
    frame = read_csv(spark, str(folder), NOTES)

    good, report = enforce(
        frame, NOTES, policy=Policy.QUARANTINE, quarantine_path=str(tmp_path / "quarantine"), run_id=RUN_ID
    )

    assert [tuple(row) for row in good.collect()] == [(2, "fine", 3)]
    assert report.violations == (
        Violation(
            "malformed_record", "text", f"{INVALID_TEXT}; the exact bytes are kept as base64 in _invalid_bytes", 1
        ),
    )
    (row,) = read_quarantine(tmp_path / "quarantine", "notes", RUN_ID)
    # base64 of b"caf\xe9", worked out by hand: 'caf' -> Y2Fm, 0xE9 -> 6Q==.
    assert (row["note_id"], row["text"], row["_invalid_bytes"], row["_quarantine_reason"]) == (
        1,
        "caf\ufffd",
        {"text": "Y2Fm6Q=="},
        f"{INVALID_TEXT} in text",
    )
    assert row["_source_file"].endswith("/notes/notes.csv")


def test_a_truncated_multibyte_sequence_is_invalid_too(spark: SparkSession, tmp_path: Path) -> None:
    # The first two of the three bytes of '東' (E6 9D B1), then a comma.
    folder = write_bytes(tmp_path / "notes", "notes.csv", b"note_id,text,pages\n1,\xe6\x9d,2\n")

    assert rows(spark, folder) == [(1, "\ufffd\ufffd", 2, None, {"text": "5p0="})]


def test_latin1_declared_reads_the_same_byte_as_a_letter(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "notes.csv", b"note_id,text,pages\n1,caf\xe9,2\n")

    assert rows(spark, folder, encoding="ISO-8859-1") == [(1, "café", 2, None, None)]


def test_ascii_declared_flags_every_byte_beyond_ascii(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "notes.csv", "note_id,text,pages\n1,café,2\n2,plain,3\n".encode())

    assert rows(spark, folder, encoding="US-ASCII") == [
        (1, "caf\ufffd\ufffd", 2, None, {"text": "Y2Fmw6k="}),
        (2, "plain", 3, None, None),
    ]


def test_an_encoding_the_readers_cannot_keep_bytes_for_is_refused() -> None:
    with pytest.raises(
        ValueError, match="Encoding 'UTF-16' is not supported: choose one of UTF-8, US-ASCII, ISO-8859-1"
    ):
        check_encoding("UTF-16")


def test_the_raw_text_of_a_malformed_record_is_decoded(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "notes.csv", "note_id,text,pages\n1,é,many\n".encode())

    assert rows(spark, folder) == [(1, "é", None, "1,é,many", None)]


def test_invalid_bytes_in_a_malformed_record_keep_their_base64_too(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "notes.csv", b"note_id,text,pages\n1,\xff,many\n")

    # 0xFF -> '/w==' ; '1,\xff,many' -> 'MSz/LG1hbnk='
    assert rows(spark, folder) == [
        (1, "\ufffd", None, "1,\ufffd,many", {"text": "/w==", CORRUPT_RECORD_COLUMN: "MSz/LG1hbnk="})
    ]


# Spark reads the largest file first: a long note is the header the reader checks before the data, a
# short one is found by Spark while it reads (a header of another width), and reported the same way.
@pytest.mark.parametrize("note", ["exported by the nightly job, do not edit by hand", "x"])
def test_a_stray_file_that_is_not_data_is_a_contract_error_naming_it(
    spark: SparkSession, tmp_path: Path, note: str
) -> None:
    folder = write_bytes(tmp_path / "notes", "a.csv", b"note_id,text,pages\n1,a,2\n2,b,3\n")
    write_bytes(folder, "notes.txt", f"{note}\n".encode())

    with pytest.raises(ContractViolationError) as error:
        read_csv(spark, str(folder), NOTES)

    assert error.value.violations == (
        Violation("missing_column", "note_id", "the contract's int column is not in the CSV header"),
        Violation("missing_column", "text", "the contract's string column is not in the CSV header"),
        Violation("missing_column", "pages", "the contract's int column is not in the CSV header"),
        *[
            Violation("unexpected_column", name.strip(), "column in the CSV header is not in the contract")
            for name in note.split(",")
        ],
    )
    message = str(error.value)
    assert f"/notes/notes.txt: {','.join(name.strip() for name in note.split(','))}" in message
    assert "skip it by name" in message


def test_files_named_by_skip_are_not_read(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "a.csv", b"note_id,text,pages\n1,a,2\n")
    write_bytes(folder, "notes.txt", b"exported by the nightly job\n")
    write_bytes(folder, "_SUCCESS", b"")
    write_bytes(folder, ".a.csv.crc", b"\x00\x01")

    frame = read_csv(spark, str(folder), NOTES, skip=["*.txt"])

    assert [tuple(row) for row in frame.select(*NOTES.columns).collect()] == [(1, "a", 2)]


def test_a_later_file_with_another_header_names_that_file(spark: SparkSession, tmp_path: Path) -> None:
    folder = write_bytes(tmp_path / "notes", "a.csv", b"note_id,text,pages\n1,a,2\n")
    write_bytes(folder, "b.csv", b"note_id,text\n2,b\n")

    with pytest.raises(ContractViolationError) as error:
        read_csv(spark, str(folder), NOTES)

    assert error.value.violations == (
        Violation("missing_column", "pages", "the contract's int column is not in the CSV header"),
    )
    assert "/notes/b.csv: note_id,text. Every data file under" in str(error.value)


@pytest.mark.parametrize("reader", [read_csv, read_json])
def test_a_path_under_a_file_says_which_part_is_a_file(
    spark: SparkSession, tmp_path: Path, reader: Callable[[SparkSession, str, Contract], DataFrame]
) -> None:
    export = tmp_path / "export.csv"
    export.write_text("note_id,text,pages\n", encoding="utf-8")

    with pytest.raises(InputNotFoundError, match=f"{export} is a file, not a folder"):
        reader(spark, str(export / "notes"), NOTES)


def test_a_json_line_with_an_invalid_byte_is_quarantined_with_the_exact_bytes(
    spark: SparkSession, tmp_path: Path
) -> None:
    folder = write_bytes(tmp_path / "notes", "a.json", b'{"note_id": 1, "text": "caf\xe9", "pages": 2}\n')

    frame = read_json(spark, str(folder), NOTES)

    assert [tuple(row) for row in frame.select(*COLUMNS).collect()] == [(1, "caf\ufffd", 2, None, {"text": "Y2Fm6Q=="})]


GOOD_INPUT = {"format": "csv", "policy": "quarantine", "why": "A bad note is set aside."}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"encoding": "UTF-16"}, "input 'notes' encoding is 'UTF-16'; choose one of UTF-8, US-ASCII, ISO-8859-1"),
        ({"skip": "*.txt"}, "input 'notes' skip is '\\*\\.txt'; give a list of file-name globs that are not data"),
        ({"skip": [""]}, "input 'notes' skip is \\[''\\]; give a list of file-name globs"),
        (
            {"charset": "UTF-8"},
            "input 'notes' sets \\['charset'\\]; an input may set format, policy, why, encoding, skip",
        ),
    ],
)
def test_an_input_declaration_with_a_bad_encoding_or_skip_says_what_to_write(
    change: dict[str, object], message: str
) -> None:
    document = {"inputs": {"notes": {**GOOD_INPUT, **change}}, "outputs": {"clean_notes": {"format": "parquet"}}}

    with pytest.raises(DeclarationError, match=message):
        parse_declaration("notes_job", document, "jobs/notes_job.json")
