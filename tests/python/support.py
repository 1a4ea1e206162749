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
