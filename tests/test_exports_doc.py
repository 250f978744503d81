"""docs/exports.md describes every column of the one export format, and nothing else."""

import re
from pathlib import Path

from likewatch.exports import COLUMNS, FORMAT

DOC = Path(__file__).resolve().parent.parent / "docs" / "exports.md"


def test_every_column_is_described_in_order():
    text = DOC.read_text(encoding="utf-8")
    described = re.findall(r"^\| `([a-z_]+)` \| [a-z, ]+ \|", text, flags=re.MULTILINE)
    assert described == COLUMNS
    assert FORMAT in text
