"""Regressor: symbolic regression on tensors, run by the C++ engine (torch.classes.symtorch.Regressor).

The parts of PySRRegressor's interface that SymTorch users read: fit(X, y, weights=None,
variable_names=None), equations_ (columns complexity, loss, score, equation, sympy_format,
lambda_format; a pandas DataFrame when pandas is installed, else an EquationTable), get_best(),
sympy(), latex(), predict(). Ctrl-C during fit() stops the search and keeps the front found so far.
"""
import json
import math

import torch

from . import _library
from . import _sr_params

COLUMNS = ("complexity", "loss", "score", "equation", "sympy_format", "lambda_format")


class EquationTable:
    """The Pareto front as columns (used when pandas is not installed).

    table["equation"] is a column (a list); table[i] (an int) is row i as a dict; len(table) is
    the number of rows; iterating gives the rows.
    """

    def __init__(self, rows):
        self._rows = list(rows)

    def __len__(self):
        return len(self._rows)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._rows[key]
        if key not in COLUMNS:
            raise KeyError(f"no column '{key}' (columns: {', '.join(COLUMNS)})")
        return [row[key] for row in self._rows]

    def __iter__(self):
        return iter(self._rows)

    @property
    def columns(self):
        return list(COLUMNS)

    def __repr__(self):
        lines = [f"{'complexity':>10} {'loss':>12} {'score':>12}  equation"]
        for row in self._rows:
            lines.append(f"{row['complexity']:>10} {row['loss']:>12.6g} {row['score']:>12.6g}  {row['equation']}")
        return "\n".join(lines)


class EquationFunction:
    """PySR's lambda_format: one front member as a function of X [n, k] (columns in the fit's
    variable order), computed by the JIT-compiled equation in double precision. A tensor gives a
    tensor (of X's floating dtype), anything else (a numpy array, a list) a numpy array."""

    def __init__(self, regressor, index):
        self._regressor = regressor
        self._index = index

    def __call__(self, X):
        y = self._regressor.predict(X, self._index)
        if isinstance(X, torch.Tensor):
            return y.to(X.dtype) if X.is_floating_point() else y
        return y.numpy()

    def __repr__(self):
        return f"EquationFunction(X=>{self._regressor.equation(self._index)})"


def _sympy_expression(text, variables):
    try:
        import sympy
    except ImportError:  # sympy is a dependency of Debian's python3-torch; keep the text otherwise
        return text
    symbols = {name: sympy.Symbol(name) for name in variables}
    return sympy.sympify(text, locals=symbols)


def _make_table(rows):
    try:
        import pandas
    except ImportError:
        return EquationTable(rows)
    return pandas.DataFrame(rows, columns=list(COLUMNS))


def _number(v):
    return math.nan if v is None else v


class OutputFit:
    """One output's front as the engine returned it (rows of dicts) and the chosen index.

    to_data() / from_data() give and take plain Python data (what SymbolicModel saves).
    """

    def __init__(self, output, variables):
        self.name = output["name"]
        self.chosen = output["chosen"]
        self.stop_reason = output["stop_reason"]
        self.iterations = output["iterations"]
        self.seconds = output["seconds"]
        self.variables = list(variables)
        self.rows = [{"complexity": m["complexity"], "loss": _number(m["loss"]), "score": _number(m["score"]),
                      "equation": m["equation"], "sympy_text": m["sympy"], "latex": m["latex"]}
                     for m in output["front"]]

    def to_data(self):
        return {"name": self.name, "chosen": self.chosen, "stop_reason": self.stop_reason,
                "iterations": self.iterations, "seconds": self.seconds, "variables": list(self.variables),
                "rows": [dict(r) for r in self.rows]}

    @classmethod
    def from_data(cls, data, where):
        """Checks the fields (ValueError naming `where` and the field) and rebuilds the fit."""
        try:
            fit = cls.__new__(cls)
            fit.name, fit.chosen = str(data["name"]), int(data["chosen"])
            fit.stop_reason, fit.iterations = str(data["stop_reason"]), int(data["iterations"])
            fit.seconds = float(data.get("seconds", 0.0))
            fit.variables = [str(v) for v in data["variables"]]
            fit.rows = []
            for i, r in enumerate(data["rows"]):
                row = {"complexity": int(r["complexity"]), "loss": float(r["loss"]), "score": float(r["score"])}
                for key in ("equation", "sympy_text", "latex"):
                    if not isinstance(r[key], str):
                        raise ValueError(f"rows[{i}].{key}: expected a string, got {r[key]!r}")
                    row[key] = r[key]
                fit.rows.append(row)
        except (KeyError, TypeError) as e:
            raise ValueError(f"{where}: missing or malformed field {e}") from e
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from e
        if not fit.rows or not 0 <= fit.chosen < len(fit.rows):
            raise ValueError(f"{where}: chosen row {fit.chosen} is outside its front of {len(fit.rows)}")
        return fit


def check_options(options):
    """Raises ValueError with the engine's message if the engine refuses these options."""
    _library.load()
    torch.classes.symtorch.Regressor(json.dumps(options))


def run_fit(X, Y, options, weights=None, variable_names=None, output_names=None):
    """Runs the engine on every column of Y at once (the outputs in parallel).

    options: the custom class's options dict (_sr_params.translate). Returns a list of
    OutputFit. A KeyboardInterrupt stops the searches; the fronts found so far are returned.
    """
    _library.load()
    job = torch.classes.symtorch.Regressor(json.dumps(options))
    job.start(X, Y, weights, list(variable_names or []), list(output_names or []))
    try:
        while not job.wait(0.05):
            pass
    except KeyboardInterrupt:
        job.request_stop()
        while not job.wait(0.05):
            pass
    result = json.loads(job.result())
    return [OutputFit(o, result["variables"]) for o in result["outputs"]]


def _as_tensor(a, what):
    if isinstance(a, torch.Tensor):
        return a.detach()
    try:
        return torch.as_tensor(a, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"{what}: expected a tensor or array of numbers: {e}") from e


class Regressor:
    """Symbolic regression with PySR's option names: Regressor(niterations=40, unary_operators=["sin"])."""

    def __init__(self, **sr_params):
        self.sr_params = dict(sr_params)
        self._options = _sr_params.translate(self.sr_params)
        check_options(self._options)
        self._fit = None
        self._equation_cache = {}

    @classmethod
    def _from_fit(cls, sr_params, options, fit):
        r = cls.__new__(cls)
        r.sr_params, r._options, r._fit, r._equation_cache = dict(sr_params or {}), options, fit, {}
        return r

    def fit(self, X, y, weights=None, variable_names=None):
        """Fits y ([n] or [n, 1]) from X ([n, k]). Returns self."""
        X = _as_tensor(X, "X")
        y = _as_tensor(y, "y")
        if y.dim() == 2 and y.shape[1] != 1:
            raise ValueError(f"Regressor.fit: y must have shape [rows] or [rows, 1], got {list(y.shape)}; "
                             "fit one Regressor per output, or use SymbolicModel.distill for several outputs")
        if weights is not None:
            weights = _as_tensor(weights, "weights")
        self._fit = run_fit(X, y, self._options, weights, variable_names)[0]
        self._equation_cache = {}
        return self

    def _require_fit(self):
        if self._fit is None:
            raise ValueError("this Regressor has not been fitted yet: call fit() first")
        return self._fit

    @property
    def feature_names_in_(self):
        return list(self._require_fit().variables)

    @property
    def stop_reason(self):
        """Why the search ended: iterations, time limit, target loss, exact fit or requested (Ctrl-C)."""
        return self._require_fit().stop_reason

    @property
    def equations_(self):
        fit = self._require_fit()
        rows = [{"complexity": r["complexity"], "loss": r["loss"], "score": r["score"], "equation": r["equation"],
                 "sympy_format": _sympy_expression(r["sympy_text"], fit.variables),
                 "lambda_format": EquationFunction(self, i)} for i, r in enumerate(fit.rows)]
        return _make_table(rows)

    @property
    def chosen_index(self):
        return self._require_fit().chosen

    def _row(self, index):
        fit = self._require_fit()
        r = dict(fit.rows[index])
        r["sympy_format"] = _sympy_expression(r.pop("sympy_text"), fit.variables)
        r["lambda_format"] = EquationFunction(self, index)
        return r

    def index_of_complexity(self, complexity):
        """Row index of the front member of exactly this complexity; ValueError listing the ones there are."""
        fit = self._require_fit()
        for i, r in enumerate(fit.rows):
            if r["complexity"] == complexity:
                return i
        raise ValueError(f"no equation of complexity {complexity} for output '{fit.name}'; "
                         f"available complexities: {[r['complexity'] for r in fit.rows]}")

    def get_best(self, complexity=None):
        """The chosen row (or the one of the given complexity) as a dict (a pandas Series with pandas)."""
        row = self._row(self.chosen_index if complexity is None else self.index_of_complexity(complexity))
        try:
            import pandas
        except ImportError:
            return row
        return pandas.Series(row)

    def sympy(self, index=None):
        return self._row(self.chosen_index if index is None else index)["sympy_format"]

    def latex(self, index=None):
        return self._require_fit().rows[self.chosen_index if index is None else index]["latex"]

    def equation(self, index=None):
        """Infix text of the chosen equation (or row `index`), over feature_names_in_."""
        return self._require_fit().rows[self.chosen_index if index is None else index]["equation"]

    def compiled(self, index=None, dtype=torch.float32):
        """The chosen equation (or row `index`) as a JIT-compiled torch.classes.symtorch.Equation."""
        index = self.chosen_index if index is None else index
        key = (index, str(dtype))
        if key not in self._equation_cache:
            self._equation_cache[key] = torch.classes.symtorch.Equation(
                [self.equation(index)], self.feature_names_in_, str(dtype).replace("torch.", ""))
        return self._equation_cache[key]

    def predict(self, X, index=None):
        """Values of the chosen equation (or row `index`) on X [n, k], as a float64 tensor [n]."""
        X = _as_tensor(X, "X").to(torch.float64).contiguous()
        return self.compiled(index, torch.float64).forward(X)[..., 0]

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_equation_cache"] = {}  # compiled Equations are rebuilt on use
        return state

    def __repr__(self):
        if self._fit is None:
            return f"Regressor({', '.join(f'{k}={v!r}' for k, v in self.sr_params.items())}) (not fitted)"
        lines = [f"Regressor.equations_ = [  (output '{self._fit.name}', chosen: complexity "
                 f"{self._fit.rows[self._fit.chosen]['complexity']})"]
        for i, r in enumerate(self._fit.rows):
            mark = ">>>>" if i == self._fit.chosen else "    "
            lines.append(f"\t{mark} {r['complexity']:>4} {r['loss']:>12.6g} {r['score']:>12.6g}  {r['equation']}")
        return "\n".join(lines + ["]"])
