"""Shared set-up of the Python tests: the package from this checkout, the op library CTest built."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "python"))


def small_search(**extra):
    """PySR-named options of a small, fast, deterministic search."""
    params = {"niterations": 12, "populations": 6, "population_size": 20, "random_state": 1, "procs": 2}
    params.update(extra)
    return params


def make_mlp_model(seed=0):
    """SymTorch's getting-started shape: a model whose .mlp is an MLP (importable, so a fresh
    process can torch.load a whole saved model)."""
    import torch
    torch.manual_seed(seed)
    return SimpleModel(2, 1)


def target_function(X):
    """The law the getting-started MLP learns: y = x0^2 + 2 x1."""
    return (X[:, 0] * X[:, 0] + 2 * X[:, 1]).unsqueeze(1)


def train(model, X, y, steps=400):
    import torch
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        opt.step()
    return loss.item()


def _classes():
    import torch.nn as nn

    class MLP(nn.Module):
        def __init__(self, input_dim, output_dim, hidden_dim=32):
            super().__init__()
            self.mlp = nn.Sequential(nn.Linear(input_dim, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, hidden_dim),
                                     nn.Tanh(), nn.Linear(hidden_dim, output_dim))

        def forward(self, x):
            return self.mlp(x)

    class SimpleModel(nn.Module):
        def __init__(self, input_dim, output_dim):
            super().__init__()
            self.mlp = MLP(input_dim, output_dim)

        def forward(self, x):
            return self.mlp(x)

    MLP.__module__ = SimpleModel.__module__ = __name__
    MLP.__qualname__, SimpleModel.__qualname__ = "MLP", "SimpleModel"
    return MLP, SimpleModel


MLP, SimpleModel = _classes()
