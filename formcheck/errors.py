"""Exceptions. A user's mistake is a FormcheckError child; the CLI prints its message in one line."""


class FormcheckError(Exception):
    """Base class for every error formcheck reports to a user."""


class BadVideoError(FormcheckError):
    """The file is missing, empty, not a video, truncated or in a codec that cannot be decoded."""


class ModelError(FormcheckError):
    """A PoseLandmarker bundle is missing or does not match its manifest."""


class ConfigError(FormcheckError):
    """A settings or threshold value is unknown or out of range."""


class StoreError(FormcheckError):
    """The session database cannot be opened or used, or a saved session is asked for that is not there."""


class AccessError(FormcheckError):
    """The logged-in user may not see or change what was asked for (another athlete's session)."""
