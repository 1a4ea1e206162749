#!/usr/bin/env python3
"""Times bench_cuda's reference expressions as torch eager tensor operations, the baseline the
GPU kernels are compared with (issue 6: goal >= 3x torch eager).

    torch_eager.py BUNDLE/torch_eager.txt [--device cuda|cpu] [--rows N] [--repeat R]

torch_eager.txt (written by `bench_cuda --bundle BUNDLE`) has one line per kernel, tab-separated:
kernel name, expression name, float32|float64, input names (comma-separated), then one torch
expression per output (symtorch's torch printer). Before timing, each expression is evaluated on
the bundle's check inputs (KERNEL_d.in.bin) and compared with the native kernel's outputs
(KERNEL_d.ref.bin, whose first columns are the equations' values), so the timed torch code is
known to compute the same function. Inputs for timing are uniform in [0.1, 2), like bench_jit's.
Prints one line per kernel: elements/s = rows x outputs / s.
"""
import argparse
import os
import sys
import time

import torch


def read_lines(path):
    kernels = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 5:
                sys.exit(f"{path}:{number}: expected kernel, expression, type, inputs, equations")
            kernel, name, dtype, names = fields[:4]
            if dtype not in ("float32", "float64"):
                sys.exit(f"{path}:{number}: type '{dtype}' is neither float32 nor float64")
            kernels.append((kernel, name, getattr(torch, dtype), names.split(","), fields[4:]))
    return kernels


def evaluate(equations, names, columns):
    scope = {"torch": torch, **dict(zip(names, columns))}
    return [eval(text, scope) for text in equations]  # noqa: S307 - our own printer's output


def verify(bundle, kernel, dtype, names, equations):
    """Max relative difference from the native kernel on the check inputs, or None without them."""
    inputs_path = os.path.join(bundle, kernel + "_d.in.bin")
    reference_path = os.path.join(bundle, kernel + "_d.ref.bin")
    if not (os.path.exists(inputs_path) and os.path.exists(reference_path)):
        return None
    item = torch.tensor([], dtype=dtype).element_size()
    rows = os.path.getsize(inputs_path) // (item * len(names))
    inputs = torch.from_file(inputs_path, size=rows * len(names), dtype=dtype).reshape(len(names), rows)
    reference = torch.from_file(reference_path, size=os.path.getsize(reference_path) // item, dtype=dtype)
    reference = reference.reshape(-1, rows)[: len(equations)]
    values = torch.stack([v.expand(rows) for v in evaluate(equations, names, list(inputs))])
    return ((values - reference).abs() / (1 + reference.abs())).max().item()


def time_once(fn, device):
    if device.type == "cuda":
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        return start.elapsed_time(stop) / 1e3
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lines", help="torch_eager.txt from bench_cuda --bundle")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--rows", type=float, default=1e8)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("torch eager benchmark not run: torch has no usable CUDA device "
              f"(torch {torch.__version__}, built with CUDA {torch.version.cuda})")
        return 0
    rows = int(args.rows)
    bundle = os.path.dirname(os.path.abspath(args.lines))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"torch {torch.__version__} eager on {name}, {rows} rows, {args.repeat} repeats")
    status = 0
    for kernel, expression, dtype, names, equations in read_lines(args.lines):
        worst = verify(bundle, kernel, dtype, names, equations)
        tolerance = 2e-5 if dtype == torch.float32 else 1e-12
        if worst is not None and not worst <= tolerance:
            print(f"{kernel}: torch differs from the native kernel by {worst:.3g} (> {tolerance}); not timed")
            status = 1
            continue
        generator = torch.Generator(device=device).manual_seed(42)
        columns = [0.1 + 1.9 * torch.rand(rows, dtype=dtype, device=device, generator=generator) for _ in names]
        run = lambda: evaluate(equations, names, columns)  # noqa: E731
        run()  # warm-up
        seconds = sorted(time_once(run, device) for _ in range(args.repeat))[args.repeat // 2]
        checked = "unchecked" if worst is None else f"max diff vs native {worst:.2g}"
        print(f"torch {kernel} {expression} {str(dtype).replace('torch.', '')} ms={seconds * 1e3:.4f} "
              f"elements_per_s={rows * len(equations) / seconds:.4g} ({checked})")
        del columns
    return status


if __name__ == "__main__":
    sys.exit(main())
