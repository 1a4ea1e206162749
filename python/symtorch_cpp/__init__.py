"""symtorch_cpp: SymTorch's workflow (wrap, distill, switch) in Python, on the symtorch-cpp C++ engine.

No Julia, no PySR: the search, the Pareto front and the compiled equations come from
libsymtorch_ops.so (found next to this package, in the source checkout's build tree, or at
$SYMTORCH_OPS_LIBRARY).
"""
from . import _library

library_path = _library.load()

from .regressor import EquationTable, Regressor  # noqa: E402
from .symbolic_model import SymbolicModel  # noqa: E402
from .pruning import pruning_schedule  # noqa: E402

__all__ = ["EquationTable", "Regressor", "SymbolicModel", "library_path", "pruning_schedule"]
