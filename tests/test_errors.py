"""The exception hierarchy is the one drawn in api/errors.py's docstring, and nothing else is public there."""

from __future__ import annotations

import inspect
import pickle
import re

from api import errors
from api.errors import DamagedInputError, IngestError, InputFormatError


def _drawn_tree() -> dict[str, str | None]:
    """class name -> parent name, read from the docstring's tree drawing."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^(\s*)(?:[│ ]*[├└]── )?([A-Z]\w+Error)\b", line)
        if not match:
            continue
        depth = len(line) - len(line.lstrip(" │├└─"))
        name = match.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[name] = stack[-1][1] if stack else None
        stack.append((depth, name))
    return parents


def test_the_docstring_draws_the_real_hierarchy() -> None:
    real = {
        name: (cls.__base__.__name__ if cls.__base__ is not Exception else None)
        for name, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__ == errors.__name__
    }
    assert _drawn_tree() == real


def test_input_format_error_names_file_line_and_reason() -> None:
    error = errors.InputFormatError("data/profile.txt", 12, "unknown category code 'XX'")
    assert str(error) == "data/profile.txt:12: unknown category code 'XX'"
    assert (error.path, error.line, error.reason) == ("data/profile.txt", 12, "unknown category code 'XX'")
    assert isinstance(error, errors.IngestError)
    assert isinstance(error, errors.ScholarGraphError)


def test_import_errors_cross_a_process_boundary_whole() -> None:
    # The reading process (api/ingest/reading_process.py) sends its error to the writer pickled.
    damaged = DamagedInputError("works.jsonl.gz", 7, "the gzip stream is cut short", record=b'{"id": ')
    for error in (InputFormatError("works.jsonl", 3, "not JSON"), damaged, IngestError("no such file")):
        copy = pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes)
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert vars(copy) == vars(error)
