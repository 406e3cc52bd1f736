"""Every setting declared once: name, default, help. CLI and web read this table."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    """One configurable value with its default, environment variable and help."""

    name: str
    default: object
    help: str

    @property
    def envvar(self) -> str:
        """The environment variable that overrides the default."""
        return "MATOME_" + self.name.upper()


SETTINGS = {
    s.name: s
    for s in (
        Setting("site", "data", "Hugo site root (or a bare directory of posts with --base-url)."),
        Setting("index_dir", "index", "Directory holding the search index."),
        Setting("host", "127.0.0.1", "Address to bind the web server to."),
        Setting("port", 8000, "Port to serve on."),
        Setting("workers", None, "Server processes [default: one per core]; 1 serves from one "
                                 "process with waitress."),
        Setting("threads", 2, "Threads of each server process."),
        Setting("synonyms", None, "Synonym groups TOML file [default: the shipped list]."),
    )
}


def default(name: str):
    """Return the default value of setting `name`."""
    return SETTINGS[name].default
