"""SLIME (SymTorch's local surrogates): a weighted data set around a point of interest.

Around x: the J nearest recorded inputs (Euclidean) with weight real_weighting, plus
num_synthetic Gaussian samples N(x, var) weighted exp(-sum((s - x)^2 / var)); var defaults to
half the per-feature variance of the neighbours (at least 1e-8). The block is evaluated on
all of them and the search minimises the weighted MSE. Without x, the data set is the inputs
as they are, unweighted ("global" SLIME). Samples are drawn from a generator seeded with
`seed` (the search's random_state), so a distillation is reproducible.
"""
import torch

DEFAULT_SLIME_PARAMS = {
    "x": None,
    "J_nn": 10,
    "num_synthetic": 100,
    "real_weighting": 1.0,
    "nn_metric": "euclidean",
    "var": None,
}


def slime_params_with_defaults(slime_params):
    params = dict(DEFAULT_SLIME_PARAMS)
    for key, value in (slime_params or {}).items():
        if key not in DEFAULT_SLIME_PARAMS:
            raise ValueError(f"slime_params: unknown key '{key}'; known: {', '.join(DEFAULT_SLIME_PARAMS)}")
        params[key] = value
    if params["nn_metric"] != "euclidean":
        raise ValueError(f"slime_params: nn_metric '{params['nn_metric']}' is not supported; only 'euclidean'")
    return params


def local_samples(inputs, params, seed):
    """(samples [n, k] float64, weights [n] float64 or None) for inputs [rows, k]."""
    x0 = params["x"]
    if x0 is None:
        return inputs.to(torch.float64), None
    inputs = inputs.to(torch.float64)
    x0 = torch.as_tensor(x0, dtype=torch.float64).reshape(-1)
    k = inputs.shape[1]
    if x0.numel() != k:
        raise ValueError(f"slime_params: x has {x0.numel()} values but the inputs have {k} features")
    J, num_synthetic = int(params["J_nn"]), int(params["num_synthetic"])
    if num_synthetic <= 0:
        raise ValueError("num_synthetic must be > 0 when x is specified in SLIME mode")
    if not 1 <= J < inputs.shape[0]:
        raise ValueError(f"J_nn ({J}) must be in 1..len(inputs) - 1 ({inputs.shape[0] - 1})")
    distances = ((inputs - x0) ** 2).sum(dim=1)
    real = inputs[torch.argsort(distances, stable=True)[:J]]
    if params["var"] is None:
        var = real.var(dim=0, unbiased=True) / 2 if J > 1 else torch.zeros(k, dtype=torch.float64)
        var = torch.clamp(var, min=1e-8)
    else:
        var = torch.as_tensor(params["var"], dtype=torch.float64).expand(k).clone()
        if not bool((var > 0).all()):
            raise ValueError(f"slime_params: var must be > 0, got {params['var']!r}")
    g = torch.Generator().manual_seed(int(seed))
    synthetic = x0 + torch.randn(num_synthetic, k, generator=g, dtype=torch.float64) * var.sqrt()
    weights = torch.cat([torch.full((J,), float(params["real_weighting"]), dtype=torch.float64),
                         torch.exp(-(((synthetic - x0) ** 2) / var).sum(dim=1))])
    return torch.cat([real, synthetic]), weights
