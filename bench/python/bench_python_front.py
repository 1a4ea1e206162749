"""The Python front against its baselines, measured in the same run.

1. Distillation: the same data and options through symtorch_cpp.Regressor (the custom class
   torch.classes.symtorch.Regressor) and through the C++ API (the `symtorch fit` CLI, which
   runs symtorch::Regressor), each run `--repeat` times: wall time of the call and of the
   search alone (median), the chosen equation of each, and the ratios Python / C++.
2. Symbolic forward at batch 4096: SymbolicModel's compiled Equation against SymTorch's way, one
   sympy.lambdify(..., "torch"); see TORCH_MODULE) function per output applied to the selected input columns and
   stacked, for the same equations (float32 and float64); median time per call and the ratio.

Usage: /usr/bin/python3 bench/python/bench_python_front.py [--cli build/apps/symtorch] [--repeat 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
import sympy  # noqa: E402

import symtorch_cpp  # noqa: E402
from symtorch_cpp import Regressor, SymbolicModel  # noqa: E402


# sympy.lambdify(..., "torch") as SymTorch calls it needs sympy >= 1.12; Debian 12 has 1.11, whose
# lambdify takes the same torch functions as a module dictionary (the printed code is the same).
TORCH_MODULE = {"sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "tanh": torch.tanh, "exp": torch.exp,
                "log": torch.log, "sqrt": torch.sqrt, "Abs": torch.abs}


def median_time(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def distillation(cli, repeat):
    g = torch.Generator().manual_seed(0)
    X = torch.rand(2000, 3, generator=g, dtype=torch.float64) * 4 - 2
    # Noise keeps the search from stopping at an exact fit: every run does all its iterations.
    y = X[:, 0] * torch.cos(X[:, 1]) * 2.5 + X[:, 2] * X[:, 2] + 0.05 * torch.randn(2000, generator=g, dtype=torch.float64)
    params = {"niterations": 20, "random_state": 1, "binary_operators": ["+", "-", "*", "/"],
              "unary_operators": ["cos"], "procs": 0}
    result = {}
    python_fits = []
    result["python_s"] = median_time(lambda: python_fits.append(Regressor(**params).fit(X, y)), repeat)
    with tempfile.TemporaryDirectory() as d:
        csv = os.path.join(d, "data.csv")
        with open(csv, "w") as f:
            f.write("x0,x1,x2,y\n")
            for row, target in zip(X.tolist(), y.tolist()):
                f.write(",".join(repr(v) for v in row) + f",{target!r}\n")
        report = os.path.join(d, "front.json")
        command = [cli, "fit", csv, "--ops", "+,-,*,/,cos", "--niterations", "20", "--seed", "1", "--threads", "0",
                   "--json", report]
        cli_runs = []

        def run_cli():
            subprocess.run(command, check=True, capture_output=True, text=True)
            with open(report) as f:
                cli_runs.append(json.load(f))

        result["cpp_s"] = median_time(run_cli, repeat)
    result["python_search_s"] = statistics.median(r._fit.seconds for r in python_fits)
    result["cpp_search_s"] = statistics.median(r["stats"]["seconds"] for r in cli_runs)
    result["python_eq"], result["cpp_eq"] = python_fits[-1].equation(), cli_runs[-1]["equation"]
    result["iterations"] = (python_fits[-1]._fit.iterations, cli_runs[-1]["stats"]["iterations"])
    return result


def symbolic_forward(repeat):
    X = torch.rand(500, 3, dtype=torch.float64) * 2 - 1
    block = lambda x: torch.stack([x[:, 0] * torch.sin(x[:, 1]) + x[:, 2], x[:, 0] * x[:, 1] - x[:, 2] * x[:, 2],  # noqa: E731
                                   torch.exp(-x[:, 0] * x[:, 0]) * x[:, 1]], dim=1)
    m = SymbolicModel(block, block_name="bench")
    m.distill(X, sr_params={"niterations": 20, "random_state": 0, "binary_operators": ["+", "-", "*"],
                            "unary_operators": ["sin", "exp"]})
    m.switch_to_symbolic()
    rows = []
    for dtype in (torch.float32, torch.float64):
        x = torch.rand(4096, 3, dtype=dtype)
        # SymTorch's symbolic forward: lambdified sympy per output over its sorted free symbols.
        funcs = []
        for d in range(3):
            expr = m.pysr_regressor[d].sympy()
            symbols = sorted(expr.free_symbols, key=str)
            funcs.append((sympy.lambdify(symbols, expr, TORCH_MODULE), [int(str(s)[1:]) for s in symbols]))

        def lambdified():
            outs = []
            for f, idx in funcs:
                r = f(*[x[:, i] for i in idx])
                outs.append(r if isinstance(r, torch.Tensor) else torch.full((x.shape[0],), float(r), dtype=x.dtype))
            return torch.stack(outs, dim=1)

        compiled = lambda: m(x)  # noqa: E731
        difference = (compiled() - lambdified()).abs().max().item()
        for f in (compiled, lambdified):  # warm-up
            f()
        calls = 200
        t_compiled = median_time(lambda: [compiled() for _ in range(calls)], repeat) / calls
        t_lambdified = median_time(lambda: [lambdified() for _ in range(calls)], repeat) / calls
        rows.append((str(dtype).replace("torch.", ""), t_compiled, t_lambdified, difference))
    return [m.pysr_regressor[d].equation() for d in range(3)], rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default=os.path.join(here, "..", "..", "build", "apps", "symtorch"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} torch threads, op library {symtorch_cpp.library_path}")
    d = distillation(args.cli, args.repeat)
    print("\n1. distillation, 2000 rows x 3 features, y = 2.5*x0*cos(x1) + x2^2 + N(0, 0.05^2), 20 iterations, "
          f"seed 1 (median of {args.repeat}; iterations run: python {d['iterations'][0]}, C++ {d['iterations'][1]})")
    print(f"   {'':14} {'call (s)':>9} {'search (s)':>11}  chosen equation")
    print(f"   {'python front':14} {d['python_s']:9.3f} {d['python_search_s']:11.3f}  {d['python_eq']}")
    print(f"   {'C++ (CLI)':14} {d['cpp_s']:9.3f} {d['cpp_search_s']:11.3f}  {d['cpp_eq']}")
    print(f"   ratio python / C++: call {d['python_s'] / d['cpp_s']:.3f}, search {d['python_search_s'] / d['cpp_search_s']:.3f}"
          " (the CLI's call includes its process start and CSV parsing)")
    equations, rows = symbolic_forward(args.repeat)
    print("\n2. symbolic forward, batch 4096 x 3 inputs, 3 outputs: " + " | ".join(equations))
    print(f"   {'dtype':8} {'compiled (us)':>14} {'lambdify (us)':>14} {'speed-up':>9} {'max |diff|':>11}")
    for dtype, tc, tl, diff in rows:
        print(f"   {dtype:8} {tc * 1e6:14.1f} {tl * 1e6:14.1f} {tl / tc:9.2f} {diff:11.3g}")


if __name__ == "__main__":
    main()
