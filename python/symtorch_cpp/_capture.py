"""Rows of a block's inputs and outputs, as distill() and prune() need them.

Every call of the block during the parent's forward pass is recorded (SymTorch keeps only the
first), inputs of any rank are flattened to rows ([..., k] -> [rows, k]), and the parent's and
the block's train/eval flags are put back afterwards.
"""
import contextlib

import torch


@contextlib.contextmanager
def evaluation_mode(*modules):
    """eval() for the duration, then every submodule's own flag restored."""
    flags = [(m, m.training) for module in modules if isinstance(module, torch.nn.Module) for m in module.modules()]
    try:
        for module in modules:
            if isinstance(module, torch.nn.Module):
                module.eval()
        yield
    finally:
        for m, training in flags:
            m.training = training


def as_tensor(a, what):
    if isinstance(a, torch.Tensor):
        return a.detach()
    try:
        return torch.as_tensor(a)
    except (TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"{what}: expected a tensor or an array of numbers, got {type(a).__name__}: {e}") from e


def to_rows(x, y, what):
    """x [..., k] and y [..., m] (or [...]: one output) as [rows, k], [rows, m]."""
    x, y = as_tensor(x, f"{what} input"), as_tensor(y, f"{what} output")
    if x.dim() == 0:
        raise ValueError(f"{what}: the input is a scalar; expected shape [rows, features] (or [..., features])")
    if x.dim() == 1:
        x = x.unsqueeze(1)
    lead = tuple(x.shape[:-1])
    if tuple(y.shape) == lead:
        y = y.unsqueeze(-1)
    if tuple(y.shape[:-1]) != lead:
        raise ValueError(f"{what}: the output has shape {list(y.shape)}, which does not match the input's "
                         f"{list(x.shape)}: expected [{', '.join(map(str, lead))}, outputs] or [{', '.join(map(str, lead))}]")
    return x.reshape(-1, x.shape[-1]), y.reshape(-1, y.shape[-1])


def record_block(block, parent_model, inputs):
    """Runs parent_model(inputs) without gradients and returns the block's (inputs, outputs) rows,
    over every call of the block. RuntimeError when the block was not called."""
    xs, ys = [], []

    def hook(module, args, output):
        if not args:
            raise RuntimeError("symtorch_cpp: the wrapped block was called without a positional input")
        xs.append(args[0].detach().cpu())
        ys.append(output.detach().cpu())

    handle = block.register_forward_hook(hook)
    try:
        with evaluation_mode(parent_model), torch.no_grad():
            parent_model(inputs)
    finally:
        handle.remove()
    if not xs:
        raise RuntimeError("Failed to capture intermediate activations: parent_model's forward pass never called "
                           "this SymbolicModel's block. Ensure parent_model contains this SymbolicModel instance.")
    pairs = [to_rows(x, y, f"call {i} of the block") for i, (x, y) in enumerate(zip(xs, ys))]
    widths = {(p[0].shape[1], p[1].shape[1]) for p in pairs}
    if len(widths) > 1:
        raise ValueError(f"the block was called with different input/output widths {sorted(widths)}; "
                         "cannot stack the calls into one data set")
    return torch.cat([p[0] for p in pairs]), torch.cat([p[1] for p in pairs])


def call_block(block, inputs):
    """block(inputs) without gradients (a module in eval mode, its flags restored after)."""
    with evaluation_mode(block), torch.no_grad():
        return block(inputs)
