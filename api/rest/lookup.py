"""Which stored objects the ids in a request name: path segments, id-valued parameters, bulk look-ups.

`resolve_ids` is the one place REST turns the ids clients send into row numbers, for every kind and
every position an id can take, so that what an id may look like is decided once (`api.ids`): a global
id, or an external id (`orcid:…`, `doi:…`, …) looked up in the data layer. It takes many ids at once and
looks the external ones up with one statement per kind, however many there are. The helpers around it
only choose what a bad id means where it appears:

- in a path, an id that is malformed or names nothing is 404 (there is no such resource);
- in a parameter (`author=`, `institution=`), a malformed id is 400 naming the parameter, while an id
  that names nothing stored simply matches nothing, as any filter would;
- in a bulk look-up, a malformed id is 400 naming it, while an id that names nothing answers null at
  its position.

A malformed id is one the service never issued and no object could carry (see `api.ids`), a row
number beyond bigint included.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from starlette.requests import Request

from api.db import authors, external_ids, institutions, papers
from api.db.pool import Database
from api.db.records import AuthorRecord, InstitutionRecord, PaperRecord
from api.errors import InvalidInputError, MovedError, NotFoundError
from api.ids import ExternalId, TypeName, encode_id, parse_id_of
from api.rest.context import database

_NOUN: dict[TypeName, str] = {"Author": "author", "Paper": "paper", "Institution": "institution"}

NO_ROW = 0
"""A row number no object has (rows are numbered from 1): what an id naming nothing filters on."""

Resolved = int | InvalidInputError | NotFoundError
"""A row number (of an object that may or may not exist); why the text is no id of the kind; or, for an
external id, that nothing stored carries it."""


async def resolve_ids(db: Database, type_name: TypeName, texts: Sequence[str]) -> list[Resolved]:
    """What each text names, in order: a global id's row number (unchecked: it need not exist), an external
    id's row looked up (one statement for all of them), or the error saying why there is none."""
    parsed: list[int | ExternalId | InvalidInputError] = []
    for text in texts:
        try:
            parsed.append(parse_id_of(type_name, text))
        except InvalidInputError as error:
            parsed.append(error)
    external = [ref for ref in parsed if isinstance(ref, ExternalId)]
    rows: dict[ExternalId, int] = {}
    if external:
        finder = external_ids.find_authors if type_name == "Author" else external_ids.find_papers
        records = await finder(db, external)  # one statement, answering in the order asked
        rows = {ref: record.id for ref, record in zip(external, records, strict=True) if record is not None}
    resolved: list[Resolved] = []
    for text, ref in zip(texts, parsed, strict=True):
        if isinstance(ref, ExternalId):
            row = rows.get(ref)
            resolved.append(row if row is not None else NotFoundError(f"no {_NOUN[type_name]} with id {text[:60]!r}"))
        else:
            resolved.append(ref)
    return resolved


async def path_id(request: Request, type_name: TypeName, name: str) -> int:
    """The row number the path parameter `name` names; 404 naming the id when it names none."""
    (found,) = await resolve_ids(database(request), type_name, [request.path_params[name]])
    if isinstance(found, InvalidInputError):
        raise NotFoundError(str(found)) from found  # says which id and what is wrong with it
    if isinstance(found, NotFoundError):
        raise found
    return found


async def param_id(db: Database, type_name: TypeName, parameter: str, text: str) -> int:
    """The row number an id-valued query parameter names: 400 naming the parameter when malformed;
    `NO_ROW` (matching nothing) when it names nothing stored."""
    (found,) = await resolve_ids(db, type_name, [text])
    if isinstance(found, InvalidInputError):
        raise InvalidInputError(f"`{parameter}` must be an {_NOUN[type_name]} id: {found}") from found
    if isinstance(found, NotFoundError):
        return NO_ROW
    return found


def _moved(request: Request, name: str, type_name: TypeName, asked: int, found: int) -> None:
    """MovedError pointing at the same URL with the survivor's id, when the asked id was merged into it."""
    if asked == found:
        return
    given = request.path_params[name]
    path = request.url.path.replace(given, encode_id(type_name, found), 1)
    query = f"?{request.url.query}" if request.url.query else ""
    raise MovedError(quote(path, safe="/:") + query)


async def refuse_merged_author(request: Request, author_id: int, name: str = "author_id") -> None:
    """MovedError (301) when the author the path names was merged into another; for handlers that read an
    author by a statement of their own, which does not follow merges."""
    survivor = await authors.merged_into(database(request), author_id)
    if survivor is not None:
        _moved(request, name, "Author", author_id, survivor)


async def path_author(request: Request, name: str = "author_id", *, follow_merges: bool = False) -> AuthorRecord:
    """The stored author the path names; 404 when there is none. A merged id is a 301 to the survivor's URL
    or, with `follow_merges` (writes: a redirect would turn a PATCH into a GET), the survivor itself."""
    author_id = await path_id(request, "Author", name)
    found = await authors.authors_by_ids(database(request), [author_id])
    if author_id not in found:
        raise NotFoundError(f"no author with id {request.path_params[name][:60]!r}")
    if not follow_merges:
        _moved(request, name, "Author", author_id, found[author_id].id)
    return found[author_id]


async def path_paper(request: Request, name: str = "paper_id", *, follow_merges: bool = False) -> PaperRecord:
    """The stored paper the path names; 404 when there is none; a merged id as `path_author` says."""
    paper_id = await path_id(request, "Paper", name)
    found = await papers.papers_by_ids(database(request), [paper_id])
    if paper_id not in found:
        raise NotFoundError(f"no paper with id {request.path_params[name][:60]!r}")
    if not follow_merges:
        _moved(request, name, "Paper", paper_id, found[paper_id].id)
    return found[paper_id]


async def path_institution(request: Request, name: str = "institution_id") -> InstitutionRecord:
    """The stored institution the path names; 404 when there is none."""
    institution_id = await path_id(request, "Institution", name)
    found = await institutions.institutions_by_ids(database(request), [institution_id])
    if institution_id not in found:
        raise NotFoundError(f"no institution with id {request.path_params[name][:60]!r}")
    return found[institution_id]
