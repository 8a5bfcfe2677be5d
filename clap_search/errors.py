"""Typed errors: every failure a user can cause, each turned into one line and exit code by the CLI."""

from __future__ import annotations


class ClapSearchError(Exception):
    """Base class: the message is shown to the user as `error: <message>`."""

    exit_code = 1


class UsageError(ClapSearchError):
    """Bad arguments: empty query, no labels, conflicting options."""

    exit_code = 2


class UnknownModelError(ClapSearchError):
    """A model name that is not bundled and not a checkpoint file."""


class CheckpointError(ClapSearchError):
    """A checkpoint that cannot be read or does not match its own config."""


class AudioReadError(ClapSearchError):
    """A file that cannot be decoded as audio (corrupt, empty, not audio, unreadable)."""


class LibraryNotFoundError(ClapSearchError):
    """No library has been built in the chosen folder yet."""


class EmptyLibraryError(LibraryNotFoundError):
    """A library that exists but holds no indexed sound: an empty result would read as 'no match'."""


class ModelMismatchError(ClapSearchError):
    """The library was built with another model; mixing vectors would give nonsense."""


class LibraryLockedError(ClapSearchError):
    """Another process is writing to the library."""


class NotFoundError(ClapSearchError):
    """A file or folder named on the command line does not exist."""


class OutsideLibraryError(ClapSearchError):
    """A library file whose real path lies outside every indexed folder (e.g. a symlink out)."""


class ListenError(ClapSearchError):
    """`serve` cannot listen where asked: the port is taken, or needs privileges."""


class UploadTooLargeError(ClapSearchError):
    """An uploaded clip over the server's size limit."""


class DownloadError(ClapSearchError):
    """A published model that cannot be downloaded here (offline, hub error, missing client)."""


class LibraryConnectionError(ClapSearchError):
    """A library URL whose database cannot be reached or used (server down, bad login, no pgvector)."""


class ClusterError(ClapSearchError):
    """`index --ray`: Ray is not installed, or its cluster cannot be reached."""
