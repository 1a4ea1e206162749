"""SLIME local surrogates and pruning of output dimensions."""
import unittest

import torch

import support
from symtorch_cpp import SymbolicModel, pruning_schedule

SEARCH = support.small_search(niterations=10, maxsize=10, binary_operators=["+", "*"], unary_operators=["sin"])


def piecewise(x):
    """Linear for x0 > 0, sin(x0) * x1 elsewhere: the structure around x0 = 1.5 is local."""
    return torch.where(x[:, 0] > 0, 3 * x[:, 0] + 1, torch.sin(x[:, 0]) * x[:, 1])


class Slime(unittest.TestCase):
    def setUp(self):
        g = torch.Generator().manual_seed(0)
        self.X = torch.rand(500, 2, generator=g, dtype=torch.float64) * 4 - 2
        self.point = torch.tensor([1.5, 0.0], dtype=torch.float64)

    def test_local_surrogate_around_a_point(self):
        m = SymbolicModel(piecewise, block_name="piecewise")
        r = m.distill(self.X, SLIME=True, slime_params={"x": self.point, "J_nn": 10, "num_synthetic": 100},
                      sr_params=SEARCH, output_dim=0)
        self.assertEqual(r.get_best()["equation"], "3 * x0 + 1")
        self.assertLess(r.get_best()["loss"], 1e-20)
        self.assertEqual(m.pysr_regressor, {})               # SLIME fronts are kept apart
        self.assertIn(0, m.SLIME_pysr_regressor)
        m.switch_to_symbolic(SLIME=True)
        near = self.point + 0.01 * torch.randn(20, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        self.assertEqual(m(near).shape, (20,))  # the callable returns [rows]: so does the symbolic forward
        self.assertLess((m(near) - piecewise(near)).abs().max().item(), 1e-12)
        # The choice survives a state round trip.
        other = SymbolicModel(piecewise, block_name="piecewise")
        other.load_state_dict(m.state_dict())
        self.assertTrue(torch.equal(other(near), m(near)))

    def test_same_seed_same_local_data(self):
        params = {"x": self.point, "J_nn": 5, "num_synthetic": 20}
        fronts = []
        for _ in range(2):
            m = SymbolicModel(piecewise, block_name="p")
            r = m.distill(self.X, SLIME=True, slime_params=params, sr_params=SEARCH)[0]
            fronts.append(list(r.equations_["equation"]))
        self.assertEqual(fronts[0], fronts[1])

    def test_bad_slime_params(self):
        m = SymbolicModel(piecewise, block_name="p")
        for params, message in [({"x": self.point, "num_synthetic": 0}, "num_synthetic must be > 0"),
                                ({"x": self.point, "J_nn": 500}, "J_nn (500) must be in 1..len(inputs) - 1 (499)"),
                                ({"x": [1.0]}, "slime_params: x has 1 values but the inputs have 2 features"),
                                ({"radius": 1}, "slime_params: unknown key 'radius'"),
                                ({"nn_metric": "cosine"}, "nn_metric 'cosine' is not supported")]:
            with self.assertRaises(ValueError) as e:
                m.distill(self.X, SLIME=True, slime_params=params, sr_params=SEARCH)
            self.assertIn(message, str(e.exception))
        self.assertEqual(m.SLIME_pysr_regressor, {})
        with self.assertRaises(ValueError) as e:
            m.switch_to_symbolic(SLIME=True)
        self.assertIn("No SLIME equations found", str(e.exception))


class Pruning(unittest.TestCase):
    def test_schedules(self):
        for rate in ("exp", "linear", "cosine"):
            s = pruning_schedule(64, 8, 100, 0.5, rate)
            values = [s[i] for i in range(100)]
            self.assertEqual(values[0], 64)
            self.assertEqual(values[50:], [8] * 50)
            self.assertEqual(values, sorted(values, reverse=True))
        # exp prunes fastest early, cosine slowest.
        e, l, c = (pruning_schedule(64, 8, 100, 0.5, r)[10] for r in ("exp", "linear", "cosine"))
        self.assertLess(e, l)
        self.assertLess(l, c)
        with self.assertRaises(ValueError) as err:
            pruning_schedule(8, 16, 10)
        self.assertIn("1 <= target_dim <= initial_dim", str(err.exception))
        with self.assertRaises(ValueError) as err:
            pruning_schedule(8, 2, 10, decay_rate="step")
        self.assertIn("decay_rate must be one of exp, linear, cosine", str(err.exception))

    def test_prune_keeps_the_widest_dimensions_then_distills_them(self):
        torch.manual_seed(0)
        block = torch.nn.Linear(2, 5)
        with torch.no_grad():
            block.weight.copy_(torch.tensor([[0.01, 0], [1, 2], [0, 0.02], [0.03, 0], [-3, 1]]))
            block.bias.zero_()
        m = SymbolicModel(block, block_name="lin")
        with self.assertRaises(RuntimeError):
            m.get_active_dimensions()
        m.setup_pruning(initial_dim=5, target_dim=2, total_steps=10, end_step_frac=0.5, decay_rate="linear")
        X = torch.rand(200, 2) * 2 - 1
        for step in range(10):
            m.prune(step, X)
        self.assertEqual(m.get_active_dimensions(), [1, 4])
        out = m(X)
        self.assertTrue(bool((out[:, [0, 2, 3]] == 0).all()))
        regs = m.distill(X, sr_params=SEARCH)
        self.assertEqual(sorted(regs), [1, 4])
        m.switch_to_symbolic()
        sym = m(X)
        self.assertEqual(sym.shape, (200, 5))
        self.assertTrue(bool((sym[:, [0, 2, 3]] == 0).all()))
        self.assertLess((sym - out).abs().max().item(), 1e-5)
        fresh = SymbolicModel(torch.nn.Linear(2, 5), block_name="lin")
        fresh.load_state_dict(m.state_dict())
        self.assertEqual(fresh.get_active_dimensions(), [1, 4])
        self.assertTrue(torch.equal(fresh(X), sym))

    def test_pruning_needs_a_module_and_a_schedule(self):
        with self.assertRaises(ValueError) as e:
            SymbolicModel(lambda x: x, block_name="f").setup_pruning(4, 2, 10)
        self.assertIn("Pruning only works on PyTorch MLPs", str(e.exception))
        with self.assertRaises(RuntimeError) as e:
            SymbolicModel(torch.nn.Linear(2, 2), block_name="l").prune(0, torch.rand(4, 2))
        self.assertIn("Call setup_pruning() first", str(e.exception))


if __name__ == "__main__":
    unittest.main()
