"""The engine from Python: torch.classes.symtorch.Regressor through symtorch_cpp.Regressor."""
import os
import signal
import subprocess
import sys
import threading
import unittest

import torch

import support  # noqa: F401  (puts the package on sys.path)
import symtorch_cpp
from symtorch_cpp import Regressor
from symtorch_cpp.regressor import run_fit


def data(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 2, generator=g, dtype=torch.float64) * 4 - 2
    return X, X[:, 0] * X[:, 0] + torch.sin(X[:, 1])


class RegressorTest(unittest.TestCase):
    def test_fit_finds_the_law_and_reports_the_front(self):
        X, y = data()
        r = Regressor(**support.small_search(unary_operators=["sin", "inv(x) = 1/x"], binary_operators=["+", "*"]))
        r.fit(X, y, variable_names=["a", "b"])
        best = r.get_best()
        self.assertLess(best["loss"], 1e-20)
        self.assertEqual(str(best["sympy_format"]), "a**2 + sin(b)")
        self.assertIn("\\sin", r.latex())
        table = r.equations_
        self.assertEqual(list(table.columns), ["complexity", "loss", "score", "equation", "sympy_format",
                                               "lambda_format"])
        # lambda_format: the row's equation as a function of X (numpy in, numpy out; tensor in,
        # tensor of X's dtype out), as PySR's.
        f = best["lambda_format"]
        self.assertEqual(repr(f), f"EquationFunction(X=>{best['equation']})")
        self.assertLess(abs(f(X.numpy()) - y.numpy()).max(), 1e-12)
        self.assertEqual(f(X.float()).dtype, torch.float32)
        first = table["lambda_format"][0]
        self.assertLess((first(X) - r.predict(X, 0)).abs().max().item(), 1e-15)
        complexities = list(table["complexity"])
        self.assertEqual(complexities, sorted(complexities))
        self.assertEqual(table["equation"][r.chosen_index], best["equation"])
        self.assertLess((r.predict(X) - y).abs().max().item(), 1e-12)
        self.assertEqual(r.stop_reason, "exact fit")

    def test_same_seed_same_front(self):
        X, y = data(seed=3)
        params = support.small_search(unary_operators=["cos"], niterations=4)
        a = Regressor(**params).fit(X, y + 0.01 * X[:, 1] ** 3)
        b = Regressor(**params).fit(X, y + 0.01 * X[:, 1] ** 3)
        self.assertEqual(list(a.equations_["equation"]), list(b.equations_["equation"]))

    def test_outputs_fitted_together(self):
        X, _ = data()
        Y = torch.stack([X[:, 0] * X[:, 1], X[:, 0] + 2 * X[:, 1]], dim=1)
        fits = run_fit(X, Y, symtorch_cpp._sr_params.translate(support.small_search()), output_names=["p", "s"])
        self.assertEqual([f.name for f in fits], ["p", "s"])
        self.assertEqual(fits[0].rows[fits[0].chosen]["equation"], "x0 * x1")
        self.assertLess(fits[1].rows[fits[1].chosen]["loss"], 1e-20)

    def test_weights_are_used(self):
        # y follows x0 on the first half of the rows and -x0 on the second; weights pick a half.
        X, _ = data()
        y = torch.where(torch.arange(200) < 100, X[:, 0], -X[:, 0])
        w = (torch.arange(200) < 100).double()
        r = Regressor(**support.small_search(binary_operators=["+", "*"])).fit(X, y, weights=w)
        self.assertEqual(r.get_best()["equation"], "x0")

    def test_leaf_complexities_count_in_the_front(self):
        # complexity_of_constants=3, complexity_of_variables=2: every front member's complexity is
        # 1 per operator + 2 per variable + 3 per constant, counted on its printed form (with only
        # + and * allowed, a '-' can only be a negative constant's sign).
        import re
        X, _ = data(seed=5)
        y = 1.5 * X[:, 0] + X[:, 1]
        r = Regressor(**support.small_search(binary_operators=["+", "*"], complexity_of_constants=3,
                                             complexity_of_variables=2))
        r.fit(X, y, variable_names=["a", "b"])
        table = r.equations_
        for complexity, text in zip(list(table["complexity"]), list(table["equation"])):
            numbers = re.findall(r"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", text)
            variables = re.findall(r"\b[ab]\b", text)
            operators = text.count("+") + text.count("*") - sum(n.count("+") for n in numbers)
            self.assertEqual(complexity, operators + 2 * len(variables) + 3 * len(numbers), text)
        self.assertLess(r.get_best()["loss"], 1e-20)
        self.assertEqual(r.get_best()["complexity"], 2 + 2 * 2 + 3)
        # The setting was the fit's alone: a plain fit counts leaves 1 again.
        plain = Regressor(**support.small_search(binary_operators=["+", "*"])).fit(X, y)
        self.assertEqual(plain.get_best()["complexity"], 5)
        for bad in (1.5, 0, True, float("inf"), "2"):
            with self.assertRaises(ValueError) as e:
                Regressor(complexity_of_constants=bad)
            self.assertIn("an integer >= 1", str(e.exception))

    def test_unknown_sr_param_lists_supported_names(self):
        with self.assertRaises(ValueError) as e:
            Regressor(niterashuns=3)
        self.assertIn("'niterashuns' is not supported", str(e.exception))
        self.assertIn("niterations", str(e.exception))

    def test_custom_operator_without_engine_operator_is_refused(self):
        with self.assertRaises(ValueError) as e:
            Regressor(unary_operators=["sinc(x) = sin(x)/x"])
        self.assertIn("custom operator 'sinc(x) = sin(x)/x' has no engine operator", str(e.exception))
        with self.assertRaises(ValueError) as e:
            Regressor(binary_operators=["max"])
        self.assertIn("unknown binary operator 'max'", str(e.exception))

    def test_engine_errors_arrive_as_value_errors(self):
        X, y = data()
        r = Regressor(**support.small_search())
        with self.assertRaises(ValueError) as e:
            r.fit(X, y[:10])
        self.assertIn("X has 200 rows but y has 10", str(e.exception))
        bad = y.clone()
        bad[7] = float("nan")
        with self.assertRaises(ValueError) as e:
            r.fit(X, bad)
        self.assertIn("non-finite value (nan) in data row 8", str(e.exception))  # rows count from 1
        with self.assertRaises(ValueError) as e:
            Regressor(maxsize=0)
        self.assertIn("maxsize must be >= 1", str(e.exception))
        with self.assertRaises(ValueError) as e:
            r.get_best()
        self.assertIn("not been fitted", str(e.exception))

    def test_ctrl_c_stops_and_keeps_the_front(self):
        X, y = data(n=400)
        noisy = y + 0.3 * torch.sin(7 * X[:, 0]) * X[:, 1]
        r = Regressor(**support.small_search(niterations=100000, unary_operators=["sin", "exp"]))
        timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
        timer.start()
        try:
            r.fit(X, noisy)
        finally:
            timer.cancel()
        self.assertEqual(r.stop_reason, "stop requested")
        self.assertGreater(len(r.equations_), 1)

    def test_missing_library_names_the_paths_tried(self):
        env = dict(os.environ, SYMTORCH_OPS_LIBRARY="/nonexistent/libsymtorch_ops.so")
        p = subprocess.run([sys.executable, "-c", "import symtorch_cpp"], env=env, capture_output=True, text=True,
                           cwd=os.path.dirname(symtorch_cpp.__path__[0]))
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ImportError: symtorch_cpp: libsymtorch_ops.so not found; tried: "
                      "/nonexistent/libsymtorch_ops.so ($SYMTORCH_OPS_LIBRARY is set", p.stderr)


if __name__ == "__main__":
    unittest.main()
