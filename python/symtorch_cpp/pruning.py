"""Pruning schedules (SymTorch's setup_pruning): how many output dimensions stay active at each step.

From initial_dim down to target_dim over the first end_step_frac of total_steps, then
target_dim: 'exp' (1 - e^(-3p), normalised), 'linear' (p) or 'cosine' (1 - (1 + cos(pi p)) / 2)
of the way at progress p.
"""
import math

DECAY_RATES = ("exp", "linear", "cosine")


def pruning_schedule(initial_dim, target_dim, total_steps, end_step_frac=0.5, decay_rate="exp"):
    """{step: active dimensions} for steps 0..total_steps-1."""
    if decay_rate not in DECAY_RATES:
        raise ValueError(f"decay_rate must be one of {', '.join(DECAY_RATES)}, got {decay_rate!r}")
    if not (isinstance(initial_dim, int) and isinstance(target_dim, int) and 1 <= target_dim <= initial_dim):
        raise ValueError(f"expected integers 1 <= target_dim <= initial_dim, got initial_dim={initial_dim!r}, "
                         f"target_dim={target_dim!r}")
    if not (isinstance(total_steps, int) and total_steps >= 1):
        raise ValueError(f"total_steps must be an integer >= 1, got {total_steps!r}")
    if not 0 <= end_step_frac <= 1:
        raise ValueError(f"end_step_frac must be in [0, 1], got {end_step_frac!r}")
    end = int(end_step_frac * total_steps)
    to_prune = initial_dim - target_dim
    schedule = {}
    for step in range(end):
        p = step / end
        if decay_rate == "exp":
            fraction = (1 - math.exp(-3.0 * p)) / (1 - math.exp(-3.0))
        elif decay_rate == "linear":
            fraction = p
        else:
            fraction = 1 - 0.5 * (1 + math.cos(math.pi * p))
        schedule[step] = max(initial_dim - math.ceil(to_prune * fraction), target_dim)
    for step in range(end, total_steps):
        schedule[step] = target_dim
    return schedule
