"""The local bookmark store of a job (the bookmarks pattern, off Glue): show it, reset it, rewind it, unlock it.

Run ``python -m <package>.kit.cli.bookmarks --help``. On Glue the bookmarks are Glue's own: use
``aws glue get-job-bookmark --job-name <job>`` and ``aws glue reset-job-bookmark --job-name <job> [--run-id <id>]``.
Exit status: 0 done, 1 the store refused (an unknown run id), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..patterns.bookmarks import BookmarkError, BookmarkStore


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__name__}",
        description="Show, reset, rewind or unlock a job's local bookmarks (the folder or s3:// prefix a run off "
        "Glue was given as --bookmark_store).",
    )
    parser.add_argument("--store", required=True, help="the --bookmark_store of the job's runs")
    parser.add_argument("--job", required=True, help="the job's name (its --JOB_NAME)")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("show", help="each committed run, and the files its bookmark holds per input")
    actions.add_parser("reset", help="forget every run: the next run reads every file")
    rewind = actions.add_parser("rewind", help="go back to a committed run: the next run reads what came after it")
    rewind.add_argument("--run-id", required=True)
    actions.add_parser("unlock", help="remove the lock a killed run left (only when no run is going on)")
    return parser.parse_args(argv)


def describe(store: BookmarkStore) -> str:
    history = store.history()
    if not history:
        return f"{store.location}: no committed run; the next run reads every file"
    lines = [f"{store.location}: {len(history)} committed runs"]
    lines += [f"  {bookmark.run:>4}  {bookmark.run_id}  {bookmark.committed_at}" for bookmark in history]
    for ctx, files in sorted(history[-1].sources.items()):
        lines.append(f"  {ctx}: {len(files)} files read so far")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    store = BookmarkStore(args.store, args.job)
    try:
        if args.action == "show":
            print(describe(store))
        elif args.action == "reset":
            print(f"{store.location}: {store.reset()} runs forgotten; the next run reads every file")
        elif args.action == "rewind":
            target = store.rewind(args.run_id)
            print(
                f"{store.location}: back at run {target.run} ({target.run_id}); the next run reads what came after it"
            )
        else:
            print(f"{store.location}: {'lock removed' if store.unlock() else 'no lock'}")
    except BookmarkError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
