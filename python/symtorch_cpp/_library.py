"""Finds and loads libsymtorch_ops.so, the op library that registers torch.classes.symtorch.*.

Looked for, in order: the file named by $SYMTORCH_OPS_LIBRARY (only there, when it is set),
next to this package (an installed copy), and in the build tree of a source checkout
(build/torchbridge/ beside python/). The error names every path tried.
"""
import os

import torch

ENV_VAR = "SYMTORCH_OPS_LIBRARY"
LIBRARY_NAME = "libsymtorch_ops.so"
_loaded_path = None


def candidate_paths():
    """The paths load() tries, in order."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return [explicit]
    here = os.path.dirname(os.path.abspath(__file__))
    checkout = os.path.dirname(os.path.dirname(here))
    return [os.path.join(here, LIBRARY_NAME), os.path.join(checkout, "build", "torchbridge", LIBRARY_NAME)]


def load():
    """Loads the op library once; returns its path. Raises ImportError naming the paths tried."""
    global _loaded_path
    if _loaded_path is not None:
        return _loaded_path
    tried = candidate_paths()
    for path in tried:
        if os.path.isfile(path):
            try:
                torch.ops.load_library(path)
            except (OSError, RuntimeError) as e:
                raise ImportError(f"symtorch_cpp: found {path} but torch could not load it: {e}") from e
            _loaded_path = path
            return path
    how = (f"${ENV_VAR} is set, so only that path is used" if os.environ.get(ENV_VAR)
           else f"build the project (cmake --build --preset default) or set ${ENV_VAR} to the library's path")
    raise ImportError(f"symtorch_cpp: {LIBRARY_NAME} not found; tried: " + ", ".join(tried) + f" ({how})")
