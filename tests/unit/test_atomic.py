"""Atomic writes: leftovers of killed writers cleaned, symbolic links followed, errors naming the
destination."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import estimates as est
from estimates.ledger._io import atomic_write


def _ledger() -> est.Ledger:
    return est.Ledger([est.Claim(quantity="q", value=est.Range.exactly(1), source="s")])


def test_the_leftover_of_a_killed_writer_is_cleaned(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    leftover = tmp_path / f".claims.csv.{dead.stdout.strip()}.abc123.tmp"
    leftover.write_text("half a file")
    other = tmp_path / f".other.csv.{dead.stdout.strip()}.abc123.tmp"
    other.write_text("another file's")
    _ledger().to_csv(tmp_path / "claims.csv")
    assert not leftover.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "claims.csv"]


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    mine = tmp_path / f".claims.csv.{os.getpid()}.live.tmp"
    mine.write_text("being written")
    _ledger().to_csv(tmp_path / "claims.csv")
    assert mine.exists()


def test_writing_to_a_symbolic_link_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    _ledger().to_csv(link)
    assert link.is_symlink()
    assert est.Ledger.read_csv(real) == _ledger()


def test_an_error_names_the_destination_not_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "no such folder" / "x.csv"
    with pytest.raises(FileNotFoundError) as info:
        atomic_write(target, lambda p: p.write_text("x"))
    assert info.value.filename == str(target)
    assert ".tmp" not in str(info.value)


def test_an_error_while_writing_names_the_destination(tmp_path: Path) -> None:
    def fail(tmp: Path) -> None:
        raise OSError(28, "No space left on device", str(tmp))

    with pytest.raises(OSError, match="No space") as info:
        atomic_write(tmp_path / "x.csv", fail)
    assert info.value.filename == str(tmp_path / "x.csv")
    assert list(tmp_path.iterdir()) == []
