"""Errors raised while reading a model folder; each names the file and the fault."""


class ModelFolderError(Exception):
    """A model folder cannot be used. The message says which file and why."""


class MissingFileError(ModelFolderError):
    pass


class ConfigError(ModelFolderError):
    pass


class UnknownArchitectureError(ConfigError):
    pass


class CorruptFileError(ModelFolderError):
    pass


class ShapeMismatchError(ModelFolderError):
    pass
