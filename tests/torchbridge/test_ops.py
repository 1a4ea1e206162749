"""Python tests of torch.classes.symtorch.Equation (libsymtorch_ops.so).

Usage:
  /usr/bin/python3 test_ops.py LIBSYMTORCH_OPS_SO              run the tests
  /usr/bin/python3 test_ops.py LIBSYMTORCH_OPS_SO --save-scripted OUT.pt
      write the TorchScript module of scripted_module() to OUT.pt (the C++ test loads it with
      torch::jit::load and checks its outputs against the same formula).

Needs Debian's python3-torch, i.e. /usr/bin/python3 (another python3 on PATH may lack torch).
"""
import os
import sys
import tempfile
import unittest

import torch

LIBRARY = None


class ScriptedSymbolic(torch.nn.Module):
    """A module whose forward is an Equation followed by ordinary torch ops.

    y = 2 * [x0 * sin(x1) + x2, exp(-x0^2)] + 1 (the C++ test checks this formula).
    """

    def __init__(self):
        super().__init__()
        self.eq = torch.classes.symtorch.Equation(
            ["x0 * sin(x1) + x2", "exp(-(x0 * x0))"], ["x0", "x1", "x2"], "float64")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 2.0 * self.eq.forward(x) + 1.0


def scripted_module():
    return torch.jit.script(ScriptedSymbolic())


def reference(x):
    return torch.stack([x[..., 0] * torch.sin(x[..., 1]) + x[..., 2], torch.exp(-x[..., 0] ** 2)], dim=-1)


def make_equation(dtype="float64"):
    return torch.classes.symtorch.Equation(
        ["x0 * sin(x1) + x2", "exp(-(x0 * x0))"], ["x0", "x1", "x2"], dtype)


class EquationTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)

    def test_forward_matches_torch_in_double(self):
        eq = make_equation()
        # 10000 rows: several at::parallel_for chunks and a partial last block.
        x = torch.randn(10000, 3, dtype=torch.float64)
        y = eq.forward(x)
        self.assertEqual(y.shape, (10000, 2))
        self.assertEqual(y.dtype, torch.float64)
        # The kernel's vectorised sin/exp (libmvec) are within a few ulp of libm's.
        torch.testing.assert_close(y, reference(x), rtol=1e-13, atol=1e-14)

    def test_forward_float32_and_leading_dimensions(self):
        eq = make_equation("float32")
        x = torch.randn(4, 5, 3, dtype=torch.float32)
        y = eq.forward(x)
        self.assertEqual(y.shape, (4, 5, 2))
        self.assertEqual(y.dtype, torch.float32)
        # float32 evaluation against the double formula: a few float32 ulp of values of order 1.
        torch.testing.assert_close(y.double(), reference(x.double()), rtol=1e-5, atol=1e-5)

    def test_empty_batch(self):
        y = make_equation().forward(torch.empty(0, 3, dtype=torch.float64))
        self.assertEqual(y.shape, (0, 2))

    def test_metadata(self):
        eq = make_equation("float32")
        self.assertEqual(eq.equations(), ["x0 * sin(x1) + x2", "exp(-(x0 * x0))"])
        self.assertEqual(eq.input_names(), ["x0", "x1", "x2"])
        self.assertEqual(eq.dtype(), "float32")
        self.assertEqual(eq.num_inputs(), 3)
        self.assertEqual(eq.num_outputs(), 2)

    def test_gradcheck_double(self):
        eq = make_equation()
        x = torch.randn(7, 3, dtype=torch.float64, requires_grad=True)
        self.assertTrue(torch.autograd.gradcheck(eq.forward, (x,), eps=1e-6, atol=1e-8))

    def test_gradient_matches_torch_autograd(self):
        eq = make_equation()
        x = torch.randn(3, 50, 3, dtype=torch.float64, requires_grad=True)
        w = torch.randn(3, 50, 2, dtype=torch.float64)
        (g,) = torch.autograd.grad((eq.forward(x) * w).sum(), x)
        x2 = x.detach().clone().requires_grad_(True)
        (g_ref,) = torch.autograd.grad((reference(x2) * w).sum(), x2)
        torch.testing.assert_close(g, g_ref, rtol=1e-12, atol=1e-13)

    def test_expanded_gradient(self):
        # sum().backward() hands the backward an expanded (stride 0) gradient.
        eq = make_equation()
        x = torch.randn(20, 3, dtype=torch.float64, requires_grad=True)
        eq.forward(x).sum().backward()
        x2 = x.detach().clone().requires_grad_(True)
        reference(x2).sum().backward()
        torch.testing.assert_close(x.grad, x2.grad, rtol=1e-12, atol=1e-13)

    def test_bad_inputs(self):
        eq = make_equation()
        with self.assertRaisesRegex(TypeError, "expected a tensor of dtype float64.*got float32"):
            eq.forward(torch.randn(2, 3))
        with self.assertRaisesRegex(ValueError, r"expected a tensor of shape \[\.\.\., 3\].*got shape \[2, 4\]"):
            eq.forward(torch.randn(2, 4, dtype=torch.float64))
        with self.assertRaisesRegex(ValueError, r"got shape \[\]"):
            eq.forward(torch.tensor(1.0, dtype=torch.float64))
        with self.assertRaisesRegex(RuntimeError, "expected a contiguous tensor"):
            eq.forward(torch.randn(3, 4, dtype=torch.float64).t())
        with self.assertRaisesRegex(ValueError, "unknown variable 'q' at column 6"):
            torch.classes.symtorch.Equation(["x0 * q"], ["x0"], "float64")
        with self.assertRaisesRegex(ValueError, "expected dtype float32 or float64, got 'int32'"):
            torch.classes.symtorch.Equation(["x0"], ["x0"], "int32")
        with self.assertRaisesRegex(ValueError, "input name 'a' is given twice"):
            torch.classes.symtorch.Equation(["a"], ["a", "a"], "float64")
        with self.assertRaisesRegex(ValueError, "expected at least one equation"):
            torch.classes.symtorch.Equation([], ["a"], "float64")

    def test_torchscript_save_and_load(self):
        module = scripted_module()
        x = torch.randn(64, 3, dtype=torch.float64)
        expected = 2.0 * reference(x) + 1.0
        torch.testing.assert_close(module(x), expected, rtol=1e-13, atol=1e-13)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "scripted.pt")
            module.save(path)
            loaded = torch.jit.load(path)
        torch.testing.assert_close(loaded(x), expected, rtol=1e-13, atol=1e-13)
        self.assertEqual(loaded.eq.equations(), module.eq.equations())


def main():
    global LIBRARY
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    LIBRARY = sys.argv[1]
    torch.ops.load_library(LIBRARY)
    if len(sys.argv) == 4 and sys.argv[2] == "--save-scripted":
        scripted_module().save(sys.argv[3])
        return
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    unittest.main(argv=[sys.argv[0], "-v"])


if __name__ == "__main__":
    main()
