"""Exceptions raised by the search library; all subclass `SearchError`."""

from __future__ import annotations


class SearchError(Exception):
    """Base class for every error the library raises on purpose."""

    hint: str | None = None


class SiteError(SearchError):
    """The site directory cannot be used (missing, no config, no posts dir)."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class PostParseError(SearchError):
    """A post file could not be parsed (raised only in strict mode)."""

    def __init__(self, path, line: int | None, reason: str):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {reason}")


class IndexNotFoundError(SearchError):
    """No usable index exists in the given directory."""

    def __init__(self, index_dir):
        self.index_dir = str(index_dir)
        self.hint = "run `matome-search index` first"
        super().__init__(f"no index in {self.index_dir}")


class IndexVersionError(SearchError):
    """The index was built by another schema or analyzer version."""

    def __init__(self, index_dir, found: str, expected: str):
        self.index_dir = str(index_dir)
        self.hint = "run `matome-search index --rebuild`"
        super().__init__(f"index in {self.index_dir} was built with {found}, this version needs {expected}")


class IndexLockedError(SearchError):
    """Another indexer holds the index lock."""

    def __init__(self, index_dir):
        self.index_dir = str(index_dir)
        self.hint = "wait for the other `matome-search index` to finish"
        super().__init__(f"index in {self.index_dir} is being updated by another process")


class IndexCorruptError(SearchError):
    """The index exists but cannot be read."""

    def __init__(self, index_dir, reason: str):
        self.index_dir = str(index_dir)
        self.hint = "run `matome-search index --rebuild`"
        super().__init__(f"index in {self.index_dir} cannot be read: {reason}")


class StrictModeError(SearchError):
    """`--strict` was given and the archive produced warnings."""

    def __init__(self, warnings):
        self.warnings = list(warnings)
        self.hint = "fix the files above or drop --strict"
        super().__init__(f"{len(self.warnings)} warning(s) in strict mode; index left unchanged")


class BadRequestError(SearchError):
    """A search parameter is invalid; `param` names it."""

    def __init__(self, param: str, reason: str):
        self.param = param
        self.reason = reason
        super().__init__(f"{param}: {reason}")


class NotFoundError(SearchError):
    """A post or comment asked for by name is not in the index; `param` names the parameter."""

    def __init__(self, param: str, reason: str):
        self.param = param
        self.reason = reason
        super().__init__(f"{param}: {reason}")


class SynonymsError(SearchError):
    """The synonym file cannot be read or has the wrong shape."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.hint = "fix the synonym file or leave --synonyms out"
        super().__init__(f"{self.path}: {reason}")


class IndexWriteError(SearchError):
    """The index directory cannot be written (read-only, full, not a directory)."""

    def __init__(self, index_dir, reason: str):
        self.index_dir = str(index_dir)
        self.hint = "the previous index is unchanged and still searchable"
        super().__init__(f"cannot write the index in {self.index_dir}: {reason}")


class IndexUnsafeError(SearchError):
    """The index directory could be changed by someone else; it is not opened.

    `path` names the offending directory or file, `hint` the fix.
    """

    def __init__(self, index_dir, path, reason: str, hint: str):
        self.index_dir = str(index_dir)
        self.path = str(path)
        self.hint = hint
        super().__init__(f"index in {self.index_dir} is unsafe to use: {self.path} {reason}")


class SettingError(SearchError):
    """A setting given through the environment has a value that cannot be used."""

    def __init__(self, name: str, reason: str):
        self.name = name
        super().__init__(f"{name}: {reason}")
