"""The change-records pattern (``kit/patterns/cdc.py``): a DMS change feed folded into current state.

The fold's rules each have a test with the expected state written by hand. A change is ``(Op, time, id,
name)``, with a sequence after the time where the feed has one; rows carry the position the reader would
give them (file, block, row id) so the tests say exactly which file and line each came from. The last
tests drive a declared job through ``read_inputs`` and ``write_outputs`` on real CSV files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

from {{ cookiecutter.job_name }}.kit.args import IntakeJobConfig, parse_job_arguments
from {{ cookiecutter.job_name }}.kit.contracts import Contract
from {{ cookiecutter.job_name }}.kit.contracts.compliance import (
    POSITION_COLUMNS,
    EmptyInputError,
    require_rows,
)
from {{ cookiecutter.job_name }}.kit.declarations import load_job
from {{ cookiecutter.job_name }}.kit.handler import job_arguments
from {{ cookiecutter.job_name }}.kit.patterns.cdc import (
    CdcSettingsError,
    ChangeConflictError,
    Feed,
    FoldResult,
    check_contracts,
    feeds,
    fold,
)
from {{ cookiecutter.job_name }}.kit.steps import read_inputs, write_outputs
from {{ cookiecutter.job_name }}.kit.testing.declared import DeclaredPackage
from {{ cookiecutter.job_name }}.kit.testing.frames import frame

ITEMS = StructType([StructField("id", IntegerType(), False), StructField("name", StringType(), True)])
TARGET = Contract("items", ITEMS)
WITH_SEQUENCE = Feed("items", "items_changes", "items_state", ("id",), "changed_at", "seq")
WITHOUT_SEQUENCE = Feed("items", "items_changes", "items_state", ("id",), "changed_at", None)
LOAD_FILE = "s3://raw/items/LOAD00000001.csv"


def at(second: int) -> str:
    """A commit time as DMS writes it."""
    return f"2024-03-01 10:00:{second:02d}.000000"


def seq(number: int) -> str:
    """A 35-digit change sequence, as ``$AR_H_CHANGE_SEQ`` gives it."""
    return f"{number:035d}"


def meta_fields(feed: Feed, *, state: bool = False) -> list[StructField]:
    """Op, the time and the sequence: never null in a change; in the state, null for a full-load row but Op."""
    return [StructField(name, StringType(), state and name != "Op") for name in feed.meta_columns]


def state_schema(feed: Feed) -> StructType:
    return StructType(
        [
            *meta_fields(feed, state=True),
            *ITEMS.fields,
            StructField("change_file", StringType(), True),
            StructField("change_line", LongType(), True),
        ]
    )


def positioned(spark: SparkSession, schema: StructType, files: Mapping[str, Sequence[tuple[object, ...]]]) -> DataFrame:
    """Rows as a reader with positions gives them: each file's rows in its line order (row ids grow)."""
    fields = [
        *schema.fields,
        StructField(POSITION_COLUMNS[0], StringType()),
        StructField(POSITION_COLUMNS[1], LongType()),
        StructField(POSITION_COLUMNS[2], LongType()),
    ]
    rows = [(*row, file, 0, 100 + index) for file, lines in files.items() for index, row in enumerate(lines)]
    return frame(spark, StructType(fields), rows)


def load(spark: SparkSession, *rows: tuple[int, str | None]) -> DataFrame:
    return positioned(spark, ITEMS, {LOAD_FILE: rows})


def changes(spark: SparkSession, feed: Feed, files: Mapping[str, Sequence[tuple[object, ...]]]) -> DataFrame:
    return positioned(spark, StructType([*meta_fields(feed), *ITEMS.fields]), files)


def no_state(spark: SparkSession, feed: Feed) -> DataFrame:
    return frame(spark, state_schema(feed), [])


def run(
    spark: SparkSession,
    feed: Feed,
    files: Mapping[str, Sequence[tuple[object, ...]]],
    loaded: Sequence[tuple[int, str | None]] = (),
    state: DataFrame | None = None,
) -> FoldResult:
    return fold(
        feed,
        TARGET,
        no_state(spark, feed) if state is None else state,
        load(spark, *loaded),
        changes(spark, feed, files),
    )


def current(result: FoldResult) -> list[tuple[int, str | None]]:
    return sorted((row["id"], row["name"]) for row in result.current.collect())


def tombstones(result: FoldResult) -> list[int]:
    return sorted(row["id"] for row in result.state.where("Op = 'D'").collect())


def test_per_key_the_latest_commit_wins_over_the_full_load_and_earlier_changes(spark: SparkSession) -> None:
    result = run(
        spark,
        WITHOUT_SEQUENCE,
        {
            "s3://raw/items_changes/b.csv": [("U", at(2), 1, "third")],
            "s3://raw/items_changes/a.csv": [("U", at(1), 1, "second")],
        },
        loaded=[(1, "first"), (2, "untouched")],
    )

    assert current(result) == [(1, "third"), (2, "untouched")]
    assert (result.changes, result.live, result.deleted, result.noop_deletes) == (2, 2, 0, 0)


def test_a_key_whose_latest_change_is_a_delete_is_gone_and_kept_as_a_tombstone(spark: SparkSession) -> None:
    result = run(spark, WITHOUT_SEQUENCE, {"c.csv": [("D", at(1), 1, None)]}, loaded=[(1, "first"), (2, "second")])

    assert current(result) == [(2, "second")]
    assert tombstones(result) == [1]
    assert (result.live, result.deleted, result.noop_deletes) == (1, 1, 0)


def test_a_delete_of_a_key_never_seen_is_a_no_op_and_counted(spark: SparkSession) -> None:
    result = run(spark, WITHOUT_SEQUENCE, {"c.csv": [("D", at(1), 9, None), ("D", at(2), 1, None)]}, loaded=[(1, "a")])

    assert current(result) == []
    assert result.noop_deletes == 1  # 9 only: 1 was present
    assert "1 delete of a key not present, ignored" in result.note(WITHOUT_SEQUENCE)


def test_a_second_delete_of_a_deleted_key_is_a_no_op_too(spark: SparkSession) -> None:
    result = run(spark, WITHOUT_SEQUENCE, {"c.csv": [("D", at(1), 1, None), ("D", at(2), 1, None)]}, loaded=[(1, "a")])

    assert (result.noop_deletes, tombstones(result)) == (1, [1])


def test_delete_then_reinsert_in_one_batch_ends_inserted(spark: SparkSession) -> None:
    result = run(
        spark, WITHOUT_SEQUENCE, {"c.csv": [("D", at(1), 1, "old"), ("I", at(2), 1, "again")]}, loaded=[(1, "old")]
    )

    assert current(result) == [(1, "again")]
    assert tombstones(result) == []


def test_with_a_sequence_a_tie_on_commit_time_goes_by_the_sequence_not_the_line(spark: SparkSession) -> None:
    """One transaction deletes and re-inserts: the insert's line comes first, its sequence is higher."""
    one_transaction = [("I", at(1), seq(3), 1, "again"), ("D", at(1), seq(2), 1, "old")]

    result = run(spark, WITH_SEQUENCE, {"c.csv": one_transaction}, loaded=[(1, "old")])

    assert current(result) == [(1, "again")]


def test_without_a_sequence_a_tie_goes_by_the_line_in_the_file(spark: SparkSession) -> None:
    result = run(
        spark, WITHOUT_SEQUENCE, {"c.csv": [("I", at(1), 1, "again"), ("D", at(1), 1, "old")]}, loaded=[(1, "old")]
    )

    assert current(result) == []


def test_without_a_sequence_a_tie_across_files_goes_by_the_file_path(spark: SparkSession) -> None:
    result = run(
        spark,
        WITHOUT_SEQUENCE,
        {"p/20240301-2.csv": [("U", at(1), 1, "later file")], "p/20240301-1.csv": [("U", at(1), 1, "earlier file")]},
        loaded=[(1, "old")],
    )

    assert current(result) == [(1, "later file")]


def test_an_older_change_arriving_after_a_newer_one_never_wins(spark: SparkSession) -> None:
    first = run(
        spark,
        WITH_SEQUENCE,
        {"a.csv": [("U", at(5), seq(5), 1, "newer"), ("D", at(5), seq(6), 2, None)]},
        loaded=[(1, "old"), (2, "old")],
    )
    late = {"b.csv": [("U", at(1), seq(1), 1, "older"), ("I", at(2), seq(2), 2, "older insert")]}

    # The feed still holds a.csv: the late file is folded with it, and with the state alone.
    with_history = run(
        spark,
        WITH_SEQUENCE,
        {**late, "a.csv": [("U", at(5), seq(5), 1, "newer"), ("D", at(5), seq(6), 2, None)]},
        loaded=[(1, "old"), (2, "old")],
        state=first.state,
    )
    state_only = run(spark, WITH_SEQUENCE, late, loaded=[(1, "old"), (2, "old")], state=first.state)

    for result in (with_history, state_only):
        assert current(result) == [(1, "newer")]
        assert tombstones(result) == [2]  # the tombstone keeps the older insert out


def test_two_changes_with_the_same_key_time_and_sequence_but_other_values_are_a_conflict(spark: SparkSession) -> None:
    tied = {"a.csv": [("U", at(1), seq(7), 1, "this")], "b.csv": [("U", at(1), seq(7), 1, "that")]}

    with pytest.raises(ChangeConflictError) as error:
        run(spark, WITH_SEQUENCE, tied, loaded=[(1, "old")])

    message = str(error.value)
    assert "Nothing was written" in message
    assert f"id=1 at {at(1)} sequence {seq(7)}: 2 different versions, in a.csv line 1; b.csv line 1" in message


def test_the_same_change_delivered_twice_is_one_change_not_a_conflict(spark: SparkSession) -> None:
    twice = {"a.csv": [("U", at(1), seq(7), 1, "this")], "b.csv": [("U", at(1), seq(7), 1, "this")]}

    result = run(spark, WITH_SEQUENCE, twice, loaded=[(1, "old")])

    assert current(result) == [(1, "this")]
    assert result.changes == 1


def test_a_key_twice_in_the_full_load_with_other_values_is_a_conflict_when_there_is_a_sequence(
    spark: SparkSession,
) -> None:
    with pytest.raises(ChangeConflictError, match="id=1 in the full load: 2 different versions"):
        run(spark, WITH_SEQUENCE, {}, loaded=[(1, "this"), (1, "that")])


def test_a_key_twice_in_the_full_load_goes_by_the_line_when_there_is_no_sequence(spark: SparkSession) -> None:
    result = run(spark, WITHOUT_SEQUENCE, {}, loaded=[(1, "first line"), (1, "second line")])

    assert current(result) == [(1, "second line")]


@pytest.mark.parametrize("feed", [WITH_SEQUENCE, WITHOUT_SEQUENCE], ids=["sequence", "no-sequence"])
def test_folding_the_same_feed_onto_its_own_state_changes_nothing(spark: SparkSession, feed: Feed) -> None:
    def change(op: str, second: int, key: int, name: str | None) -> tuple[object, ...]:
        return (op, at(second), *([seq(second)] if feed.sequence else []), key, name)

    files = {
        "a.csv": [change("U", 1, 1, "one"), change("D", 2, 2, None), change("D", 3, 9, None)],
        "b.csv": [change("I", 4, 3, "new")],
    }
    loaded = [(1, "old"), (2, "old")]
    first = run(spark, feed, files, loaded)

    again = run(spark, feed, files, loaded, state=first.state)

    def rows(result: FoldResult) -> list[tuple[object, ...]]:
        return sorted(tuple(row) for row in result.state.collect())

    assert rows(again) == rows(first)
    assert current(again) == [(1, "one"), (3, "new")]
    assert tombstones(again) == [2, 9]


def test_a_rewritten_full_load_replaces_what_the_state_had_from_the_old_one(spark: SparkSession) -> None:
    first = run(spark, WITH_SEQUENCE, {}, loaded=[(1, "as loaded"), (2, "kept")])

    reloaded = run(spark, WITH_SEQUENCE, {}, loaded=[(1, "as reloaded")], state=first.state)

    # 2 left the full load but not the state: nothing says it was deleted.
    assert current(reloaded) == [(1, "as reloaded"), (2, "kept")]


def test_a_change_file_rewritten_in_place_is_taken_as_it_is_now(spark: SparkSession) -> None:
    """Without a sequence a change is known by its time, file and line: the state's copy gives way to the file's."""
    first = run(spark, WITHOUT_SEQUENCE, {"c.csv": [("U", at(1), 1, "as first written")]}, loaded=[(1, "old")])

    again = run(
        spark, WITHOUT_SEQUENCE, {"c.csv": [("U", at(1), 1, "corrected")]}, loaded=[(1, "old")], state=first.state
    )

    assert current(again) == [(1, "corrected")]


def test_the_state_says_where_each_keys_latest_change_came_from(spark: SparkSession) -> None:
    result = run(spark, WITHOUT_SEQUENCE, {"c.csv": [("U", at(1), 2, "x"), ("U", at(2), 1, "y")]}, loaded=[(1, "a")])

    found = sorted(
        (row["id"], row["Op"], row["changed_at"], row["change_file"], row["change_line"])
        for row in result.state.collect()
    )
    assert found == [(1, "U", at(2), "c.csv", 2), (2, "U", at(1), "c.csv", 1)]


def test_settings_are_checked_for_shape() -> None:
    with pytest.raises(CdcSettingsError, match=r"missing \['state'\]"):
        feeds({"items": {"changes": "c", "key": ["id"], "commit_time": "t"}})
    with pytest.raises(CdcSettingsError, match="key is 'id'"):
        feeds({"items": {"changes": "c", "state": "s", "key": "id", "commit_time": "t"}})
    assert feeds({"items": {"changes": "c", "state": "s", "key": ["id"], "commit_time": "t"}}) == [
        Feed("items", "c", "s", ("id",), "t", None)
    ]


def test_a_state_contract_that_requires_a_commit_time_is_refused() -> None:
    """A full-load row has none: the first run would stop at its write."""
    changes = Contract("items_changes", StructType([*meta_fields(WITH_SEQUENCE), *ITEMS.fields]))
    required = StructType(
        [
            StructField(field.name, field.dataType, field.nullable and field.name != "changed_at")
            for field in state_schema(WITH_SEQUENCE).fields
        ]
    )

    with pytest.raises(CdcSettingsError, match="items_state does not fit: changed_at must be nullable"):
        check_contracts(WITH_SEQUENCE, TARGET, changes, Contract("items_state", required))


def test_a_change_contract_without_the_sequence_or_with_a_retyped_column_is_refused() -> None:
    state = Contract("items_state", state_schema(WITH_SEQUENCE))
    no_sequence = Contract("items_changes", StructType([*meta_fields(WITHOUT_SEQUENCE), *ITEMS.fields]))
    retyped = Contract(
        "items_changes",
        StructType([*meta_fields(WITH_SEQUENCE), StructField("id", StringType(), False), ITEMS.fields[1]]),
    )

    with pytest.raises(CdcSettingsError, match=r"items_changes does not fit: seq \(string\) is missing"):
        check_contracts(WITH_SEQUENCE, TARGET, no_sequence, state)
    with pytest.raises(CdcSettingsError, match="items_changes does not fit: id is string, not int"):
        check_contracts(WITH_SEQUENCE, TARGET, retyped, state)


# --- Through the kit's steps, on CSV files ----------------------------------------------------------------

CHANGES_SCHEMA = StructType(
    [
        StructField("Op", StringType(), False, {"rules": {"allowed": ["I", "U", "D"]}}),
        StructField("changed_at", StringType(), False),
        StructField("id", IntegerType(), False),
        StructField("name", StringType(), True),
    ]
)
HEADER = "Op,changed_at,id,name\n"


def declare(declared: DeclaredPackage, root: Path, full_load: str) -> Path:
    """The declared job ``folding``, and a raw folder whose full load holds ``full_load``; the raw folder."""
    declared.contract("items", ITEMS)
    declared.contract("items_changes", CHANGES_SCHEMA)
    declared.contract("items_state", state_schema(WITHOUT_SEQUENCE))
    declared.contract("current_items", ITEMS)
    declared.job(
        "folding",
        {
            "inputs": {
                "items": {"format": "csv", "policy": "fail", "why": "test"},
                "items_changes": {"format": "csv", "policy": "fail", "optional": True, "why": "test"},
            },
            "cdc": {
                "items": {
                    "changes": "items_changes",
                    "state": "items_state",
                    "key": ["id"],
                    "commit_time": "changed_at",
                }
            },
            "outputs": {"current_items": {"format": "parquet"}, "items_state": {"format": "parquet"}},
        },
    )
    raw = root / "raw"
    (raw / "items").mkdir(parents=True)
    (raw / "items" / "LOAD00000001.csv").write_text(full_load)
    return raw


def fold_and_write(spark: SparkSession, raw: Path, out: Path, run_id: str) -> tuple[list[tuple[int, str]], str]:
    declaration = load_job("folding")
    argv = ["script", "--JOB_NAME", "folding", "--JOB_RUN_ID", run_id, "--quarantine_path", str(out / "q")]
    config = parse_job_arguments(argv, job_arguments(IntakeJobConfig))
    outputs = {"current_items": str(out / "current_items"), "items_state": str(out / "items_state")}
    tables, reports = read_inputs(spark, declaration, {"items": str(raw / "items")}, config, outputs)
    require_rows(reports)
    write_outputs(declaration, {"current_items": tables["items"]}, outputs, config)
    landed = spark.read.parquet(outputs["current_items"]).collect()
    return sorted((row["id"], row["name"]) for row in landed), next(
        report.note or "" for report in reports if report.dataset == "items"
    )


def test_the_reader_keeps_each_change_files_line_order_and_a_rerun_lands_the_same(
    spark: SparkSession, declared: DeclaredPackage, tmp_path: Path
) -> None:
    raw = declare(declared, tmp_path, "id,name\n1,one\n2,two\n3,three\n")
    (raw / "items_changes").mkdir()
    # Same commit time throughout: only the order of the lines says what happened, and it says 2 ends deleted
    # after its re-insert, 3 ends re-inserted after its delete.
    (raw / "items_changes" / "20240301-1.csv").write_text(
        HEADER
        + f"I,{at(1)},2,again\nD,{at(1)},2,\nD,{at(1)},3,\nI,{at(1)},3,back\n"
        + "".join(f"U,{at(1)},1,v{index}\n" for index in range(1, 40))
    )

    first, note = fold_and_write(spark, raw, tmp_path / "out", "run-1")
    again, _ = fold_and_write(spark, raw, tmp_path / "out", "run-2")

    assert first == [(1, "v39"), (3, "back")]
    assert again == first
    assert note == (
        "43 change records of items_changes folded in; 2 current rows, 1 deleted key kept as tombstones in items_state"
    )


def test_a_change_folder_that_does_not_exist_yet_is_no_changes(
    spark: SparkSession, declared: DeclaredPackage, tmp_path: Path
) -> None:
    raw = declare(declared, tmp_path, "id,name\n1,one\n")

    landed, note = fold_and_write(spark, raw, tmp_path / "out", "run-1")

    assert landed == [(1, "one")]
    assert note == (
        "0 change records of items_changes folded in; 1 current row, 0 deleted keys kept as tombstones in items_state"
    )


def test_an_empty_full_load_is_still_an_empty_input(
    spark: SparkSession, declared: DeclaredPackage, tmp_path: Path
) -> None:
    raw = declare(declared, tmp_path, "id,name\n")

    with pytest.raises(EmptyInputError, match="items: no rows"):
        fold_and_write(spark, raw, tmp_path / "out", "run-1")
