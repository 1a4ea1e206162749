"""SymbolicModel: SymTorch's getting-started workflow, a wrapped callable, state round trips, bad inputs."""
import os
import subprocess
import sys
import tempfile
import unittest

import torch

import support
from symtorch_cpp import SymbolicModel

SEARCH = support.small_search(niterations=10, maxsize=10, binary_operators=["+", "*"], unary_operators=[])

LOAD_IN_FRESH_PROCESS = r"""
import sys, torch
sys.path.insert(0, sys.argv[1])
import support
from symtorch_cpp import SymbolicModel
X = torch.load(sys.argv[2] + "/X.pt")
whole = torch.load(sys.argv[2] + "/model.pt")
fresh = support.make_mlp_model(seed=5)
fresh.mlp = SymbolicModel(fresh.mlp.mlp, block_name="mlp")
fresh.load_state_dict(torch.load(sys.argv[2] + "/state.pt"))
torch.save({"whole": whole(X), "state": fresh(X), "symbolic": fresh.mlp.using_symbolic,
            "block": fresh.mlp.symtorch_block(X)}, sys.argv[2] + "/out.pt")
"""


def trained_model():
    torch.manual_seed(0)
    X = torch.rand(1000, 2) * 4 - 2
    model = support.make_mlp_model()
    support.train(model, X, support.target_function(X))
    return model, X


class GettingStarted(unittest.TestCase):
    def test_wrap_distill_switch_save_load(self):
        model, X = trained_model()
        neural = model(X).detach()
        model.mlp = SymbolicModel(model.mlp.mlp, block_name="mlp")
        model.train()
        regressors = model.mlp.distill(X, parent_model=model, sr_params=SEARCH)
        self.assertTrue(model.training and model.mlp.symtorch_block.training)   # flags restored
        self.assertEqual(list(regressors), [0])
        self.assertEqual(regressors[0].get_best()["equation"], "x0 * x0 + 2 * x1")
        self.assertTrue(torch.equal(model(X).detach(), neural))                   # still the block
        model.mlp.switch_to_symbolic()
        out = model(X)
        self.assertEqual(out.shape, (1000, 1))
        self.assertLess((out - support.target_function(X)).abs().max().item(), 1e-5)
        self.assertLess((out - neural).pow(2).mean().item(), 1e-2)
        Xg = X[:5].clone().requires_grad_()
        model(Xg).sum().backward()   # the compiled equation is differentiable: d/dx (x0^2 + 2 x1)
        self.assertLess((Xg.grad - torch.stack([2 * X[:5, 0], torch.full((5,), 2.0)], 1)).abs().max().item(), 1e-5)

        with tempfile.TemporaryDirectory() as d:
            torch.save(X, d + "/X.pt")
            torch.save(model, d + "/model.pt")
            torch.save(model.state_dict(), d + "/state.pt")
            env = dict(os.environ, PYTHONPATH=os.path.join(support.HERE, "..", "..", "python"))
            p = subprocess.run([sys.executable, "-c", LOAD_IN_FRESH_PROCESS, support.HERE, d], env=env,
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            loaded = torch.load(d + "/out.pt")
        self.assertTrue(loaded["symbolic"])
        self.assertTrue(torch.equal(loaded["whole"], out.detach()))
        self.assertTrue(torch.equal(loaded["state"], out.detach()))
        self.assertTrue(torch.equal(loaded["block"], neural))                   # weights came back too

        model.mlp.switch_to_block()
        self.assertTrue(torch.equal(model(X).detach(), neural))


class Workflows(unittest.TestCase):
    def test_callable_and_output_dim_zero(self):
        f = lambda x: torch.stack([x[:, 0] * x[:, 1], x[:, 0] + x[:, 1]], dim=1)  # noqa: E731
        m = SymbolicModel(f, block_name="f")
        X = torch.rand(300, 2, dtype=torch.float64) * 2 - 1
        r = m.distill(X, output_dim=0, sr_params=SEARCH)
        self.assertEqual(r.get_best()["equation"], "x0 * x1")
        self.assertEqual(list(m.pysr_regressor), [0])
        with self.assertRaises(ValueError) as e:
            m.switch_to_symbolic()
        self.assertIn("Missing standard equations for dimensions [1]", str(e.exception))
        m.distill(X, output_dim=1, sr_params=SEARCH)
        m.switch_to_symbolic()
        self.assertLess((m(X) - f(X)).abs().max().item(), 1e-12)
        g = m.get_symbolic_function(dim=1)
        self.assertLess(abs(g(X.numpy()) - (X[:, 0] + X[:, 1]).numpy()).max(), 1e-12)

    def test_inputs_of_any_rank_and_transforms(self):
        f = lambda x: (x[..., 0] - x[..., 1]) ** 2  # noqa: E731
        m = SymbolicModel(f, block_name="f")
        X = torch.rand(10, 30, 2, dtype=torch.float64)
        m.distill(X, variable_transforms=[lambda x: x[:, 0] - x[:, 1]], fit_params={"variable_names": ["d"]},
                  sr_params=SEARCH)
        self.assertEqual(m.pysr_regressor[0].get_best()["equation"], "d * d")
        m.switch_to_symbolic()
        out = m(X)
        self.assertEqual(out.shape, (10, 30))
        self.assertLess((out - f(X)).abs().max().item(), 1e-12)

    def test_complexity_choice_survives_state_dict(self):
        model, X = trained_model()
        model.mlp = SymbolicModel(model.mlp.mlp, block_name="mlp")
        model.mlp.distill(X, parent_model=model, sr_params=SEARCH)
        model.mlp.switch_to_symbolic(complexity=5)
        expected = model(X).detach()
        state = model.state_dict()
        other = support.make_mlp_model(seed=3)
        other.mlp = SymbolicModel(other.mlp.mlp, block_name="mlp")
        other.load_state_dict(state)
        self.assertTrue(torch.equal(other(X).detach(), expected))
        self.assertEqual(other.mlp.pysr_regressor[0].get_best()["equation"], "x0 * x0 + 2 * x1")


class BadInputs(unittest.TestCase):
    def setUp(self):
        self.block = torch.nn.Linear(2, 1)
        self.m = SymbolicModel(self.block, block_name="lin")
        self.X = torch.rand(50, 2)

    def assert_unchanged(self):
        self.assertFalse(self.m.using_symbolic)
        self.assertTrue(torch.equal(self.m(self.X), self.block(self.X)))

    def test_switch_or_show_without_equations(self):
        for call in (self.m.switch_to_symbolic, self.m.show_symbolic_expression, self.m.get_symbolic_function):
            with self.assertRaises(ValueError) as e:
                call()
            self.assertIn("No standard equations found for lin yet. You need to first run .distill", str(e.exception))
        self.assert_unchanged()

    def test_unknown_sr_param_and_fit_param(self):
        with self.assertRaises(ValueError) as e:
            self.m.distill(self.X, sr_params={"niterashuns": 3})
        self.assertIn("'niterashuns' is not supported", str(e.exception))
        with self.assertRaises(ValueError) as e:
            self.m.distill(self.X, sr_params=SEARCH, fit_params={"X_units": ["m"]})
        self.assertIn("fit_params: unknown key(s) 'X_units'; supported: variable_names, weights", str(e.exception))
        self.assertEqual(self.m.pysr_regressor, {})
        self.assert_unchanged()

    def test_parent_model_that_never_calls_the_block(self):
        with self.assertRaises(RuntimeError) as e:
            self.m.distill(self.X, parent_model=torch.nn.Linear(2, 1), sr_params=SEARCH)
        self.assertIn("never called this SymbolicModel's block", str(e.exception))

    def test_mismatched_shapes(self):
        bad = SymbolicModel(lambda x: x[:10, 0], block_name="bad")
        with self.assertRaises(ValueError) as e:
            bad.distill(self.X, sr_params=SEARCH)
        self.assertIn("the output has shape [10], which does not match the input's [50, 2]", str(e.exception))
        with self.assertRaises(ValueError) as e:
            self.m.distill(self.X, sr_params=SEARCH, fit_params={"variable_names": ["a"]})
        self.assertIn("1 input names given (a) but the recorded inputs have 2 columns", str(e.exception))
        with self.assertRaises(ValueError) as e:
            SymbolicModel(lambda x: x, block_name="c").distill(self.X, parent_model=self.block)
        self.assertIn("Cannot use parent_model with Callable functions", str(e.exception))

    def test_bad_complexity_and_bad_state_change_nothing(self):
        self.m.distill(self.X, sr_params=SEARCH)
        with self.assertRaises(ValueError) as e:
            self.m.switch_to_symbolic(complexity=99)
        self.assertIn("dimension 0: no equation of complexity 99", str(e.exception))
        self.assert_unchanged()
        state = self.m.state_dict()
        state["_extra_state"]["switched"] = {"kind": "standard", "rows": {0: 42}}
        weight = self.block.weight.detach().clone()
        state["symtorch_block.weight"] = torch.zeros(1, 2)
        with self.assertRaises(ValueError) as e:
            self.m.load_state_dict(state)
        self.assertIn("switched.rows[0] = 42 has no equation", str(e.exception))
        self.assertTrue(torch.equal(self.block.weight, weight))
        self.assert_unchanged()


if __name__ == "__main__":
    unittest.main()
