"""Which judge tokens Python's int() accepts, for tests/python_int.rs.

The paper's judge counts a top-20 token when `int(token)` succeeds and lies in 0..=100.
This records, for every Unicode code point c, whether int() accepts c, c + "4" and
"4" + c, and the value, so the Rust rule is checked against CPython itself, exhaustively.

Run: python3 tests/judge/python_int.py > tests/fixtures/python-int.json
"""
import json
import sys

accepted = {}
for cp in range(sys.maxunicode + 1):
    c = chr(cp)
    if 0xD800 <= cp <= 0xDFFF:
        continue
    for token in (c, c + "4", "4" + c):
        try:
            accepted[token] = int(token)
        except ValueError:
            pass
extra = ["+5", "-0", "-5", "1_0", "1__0", "_1", "1_", "0100", "101", " 80", "+ 5", "00_7"]
for token in extra:
    try:
        accepted[token] = int(token)
    except ValueError:
        pass
json.dump(
    {
        "python": sys.version.split()[0],
        "patterns": ["c", "c4", "4c"],
        "extra": extra,
        "accepted": sorted(accepted.items()),
    },
    sys.stdout,
    ensure_ascii=True,
    separators=(",", ":"),
)
