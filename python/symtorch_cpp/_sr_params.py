"""PySR's option names (as SymTorch's sr_params pass them) translated to this engine's options.

translate(sr_params) returns the options JSON of torch.classes.symtorch.Regressor. Every name is
either translated, accepted because it changes nothing here (verbosity, output_directory, ...:
listed in ACCEPTED_WITHOUT_EFFECT, with the reason), or refused with the supported names
listed: nothing is silently ignored.
"""
import math
import re

# PySR name -> engine option (same meaning, same units).
DIRECT = {
    "niterations": "niterations",
    "maxsize": "maxsize",
    "maxdepth": "maxdepth",
    "populations": "populations",
    "population_size": "population_size",
    "ncycles_per_iteration": "ncycles_per_iteration",
    "parsimony": "parsimony",
    "adaptive_parsimony_scaling": "adaptive_parsimony_scaling",
    "use_frequency": "use_frequency",
    "use_frequency_in_tournament": "use_frequency_in_tournament",
    "random_state": "seed",
    "timeout_in_seconds": "time_limit_seconds",
    "procs": "threads",
    "crossover_probability": "crossover_probability",
    "annealing": "annealing",
    "alpha": "alpha",
    "perturbation_factor": "perturbation_factor",
    "probability_negate_constant": "probability_negate_constant",
    "tournament_selection_n": "tournament_selection_n",
    "tournament_selection_p": "tournament_selection_p",
    "skip_mutation_failures": "skip_mutation_failures",
    "should_simplify": "should_simplify",
    "migration": "migration",
    "hof_migration": "hof_migration",
    "fraction_replaced": "fraction_replaced",
    "fraction_replaced_hof": "fraction_replaced_hof",
    "topn": "topn",
    "should_optimize_constants": "optimize_constants",
    "optimize_probability": "optimizer_probability",
    "optimizer_iterations": "optimizer_iterations",
    "optimizer_nrestarts": "optimizer_nrestarts",
    "batch_size": "batch_size",
}

MUTATION_WEIGHTS = {
    "weight_mutate_constant": "mutate_constant", "weight_mutate_operator": "mutate_operator",
    "weight_mutate_feature": "mutate_feature", "weight_swap_operands": "swap_operands",
    "weight_rotate_tree": "rotate_tree", "weight_add_node": "add_node", "weight_insert_node": "insert_node",
    "weight_delete_node": "delete_node", "weight_simplify": "simplify", "weight_randomize": "randomize",
    "weight_do_nothing": "do_nothing", "weight_optimize": "optimize",
}

# Names that are accepted and have no effect here, and why.
ACCEPTED_WITHOUT_EFFECT = {
    "verbosity": "the engine prints nothing during a fit",
    "progress": "the engine prints nothing during a fit",
    "output_directory": "no files are written (the fronts are kept in the regressor)",
    "run_id": "no files are written",
    "temp_equation_file": "no files are written",
    "delete_tempfiles": "no files are written",
    "deterministic": "the search is always deterministic for a given random_state (except with timeout_in_seconds)",
    "multithreading": "the engine always runs its islands on threads (procs sets how many)",
    "parallelism": "the engine always runs its islands on threads (procs sets how many)",
    "extra_sympy_mappings": "the engine writes sympy_format itself for every operator it has",
}

# Operators: PySR spelling -> engine name.
BINARY_OPERATORS = {"+": "+", "add": "+", "-": "-", "sub": "-", "*": "*", "mult": "*", "mul": "*",
                    "/": "/", "div": "/", "^": "^", "pow": "^"}
UNARY_OPERATORS = {name: name for name in
                   ("neg", "square", "cube", "sqrt", "exp", "log", "sin", "cos", "tan", "tanh", "abs", "inv")}
# Bodies of PySR custom operators ("inv(x) = 1/x") that are engine operators, whitespace removed.
CUSTOM_BODIES = {
    "1/x": "inv", "1.0/x": "inv", "1f0/x": "inv", "inv(x)": "inv",
    "x^2": "square", "x*x": "square", "x^3": "cube", "x*x*x": "cube", "-x": "neg",
    "x^0.5": "sqrt", "sqrt(x)": "sqrt", "abs(x)": "abs", "exp(x)": "exp", "log(x)": "log",
    "sin(x)": "sin", "cos(x)": "cos", "tan(x)": "tan", "tanh(x)": "tanh",
}
_CUSTOM = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(\s*x\s*\)\s*=\s*(.+?)\s*$")
_CUSTOM_BINARY = re.compile(r"^\s*([A-Za-z_]\w*)\s*\(\s*x\s*,\s*y\s*\)\s*=")

SELECTIONS = {"best": "best", "accuracy": "accuracy", "score": "score", "bic": "bic"}


def supported_names():
    return sorted(set(DIRECT) | set(MUTATION_WEIGHTS) | set(ACCEPTED_WITHOUT_EFFECT) | {
        "binary_operators", "unary_operators", "complexity_of_operators", "complexity_of_constants",
        "complexity_of_variables", "constraints", "nested_constraints", "model_selection", "precision",
        "batching", "early_stop_condition", "elementwise_loss", "loss", "max_rows"})


def _unsupported(name, why=""):
    return ValueError(f"sr_params: '{name}' is not supported by symtorch_cpp{': ' + why if why else ''}. "
                      f"Supported names: {', '.join(supported_names())}")


def _unary(spec):
    if not isinstance(spec, str):
        raise ValueError(f"sr_params: unary_operators: expected strings, got {spec!r}")
    if spec in UNARY_OPERATORS:
        return UNARY_OPERATORS[spec]
    m = _CUSTOM.match(spec)
    if m:
        body = re.sub(r"\s+", "", m.group(2))
        if body in CUSTOM_BODIES:
            return CUSTOM_BODIES[body]
        raise ValueError(f"sr_params: custom operator '{spec}' has no engine operator; the engine's unary operators "
                         f"are {', '.join(UNARY_OPERATORS)} (custom bodies it recognises: "
                         f"{', '.join(sorted(CUSTOM_BODIES))})")
    raise ValueError(f"sr_params: unknown unary operator '{spec}'; supported: {', '.join(UNARY_OPERATORS)} "
                     f"and custom definitions such as 'inv(x) = 1/x'")


def _binary(spec):
    if not isinstance(spec, str):
        raise ValueError(f"sr_params: binary_operators: expected strings, got {spec!r}")
    if spec in BINARY_OPERATORS:
        return BINARY_OPERATORS[spec]
    if _CUSTOM_BINARY.match(spec):
        raise ValueError(f"sr_params: custom binary operator '{spec}' is not supported; the engine's binary "
                         f"operators are + - * / ^")
    raise ValueError(f"sr_params: unknown binary operator '{spec}'; supported: {', '.join(BINARY_OPERATORS)}")


def _operator_name(name):
    if name in BINARY_OPERATORS:
        return BINARY_OPERATORS[name]
    if name in UNARY_OPERATORS:
        return name
    raise ValueError(f"sr_params: unknown operator '{name}'; known: "
                     f"{', '.join(list(BINARY_OPERATORS) + list(UNARY_OPERATORS))}")


def _loss(name, value):
    text = re.sub(r"\s+", "", str(value))
    squared = {"L2DistLoss()", "loss(x,y)=(x-y)^2", "loss(prediction,target)=(prediction-target)^2",
               "loss(prediction,target,weight)=weight*(prediction-target)^2", "loss(x,y,w)=w*(x-y)^2"}
    if text not in squared:
        raise _unsupported(f"{name}={value!r}", "the engine's loss is the (weighted) mean squared error, "
                           "L2DistLoss() or its weighted form")


def translate(sr_params):
    """sr_params (PySR names) -> options dict for the Regressor custom class."""
    search, options, complexity = {}, {}, {}
    weights = {}
    for name, value in (sr_params or {}).items():
        if name in DIRECT:
            search[DIRECT[name]] = value
        elif name in MUTATION_WEIGHTS:
            weights[MUTATION_WEIGHTS[name]] = value
        elif name in ACCEPTED_WITHOUT_EFFECT:
            if name == "extra_sympy_mappings":
                for op in value or {}:
                    _operator_name(op)
        elif name == "binary_operators":
            search["binary_operators"] = list(dict.fromkeys(_binary(s) for s in value))
        elif name == "unary_operators":
            search["unary_operators"] = list(dict.fromkeys(_unary(s) for s in value))
        elif name == "complexity_of_operators":
            for op, c in value.items():
                complexity[_operator_name(op)] = c
        elif name in ("complexity_of_constants", "complexity_of_variables"):
            # PySR takes real numbers here; the engine's complexities are integers (a front is
            # indexed by complexity), so a non-integer is refused rather than rounded.
            if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                    or value != int(value) or value < 1):
                raise _unsupported(f"{name}={value!r}", "an integer >= 1 (the engine's complexities are integers)")
            complexity["constant" if name == "complexity_of_constants" else "variable"] = int(value)
        elif name == "constraints":
            entries = []
            for op, limit in value.items():
                entry = {"op": _operator_name(op)}
                if isinstance(limit, (tuple, list)):
                    if len(limit) != 2:
                        raise ValueError(f"sr_params: constraints['{op}']: expected (left, right) sizes, got {limit!r}")
                    entry["left"], entry["right"] = int(limit[0]), int(limit[1])
                else:
                    entry["left"] = int(limit)
                entries.append(entry)
            search["size_constraints"] = entries
        elif name == "nested_constraints":
            search["nested_constraints"] = [{"outer": _operator_name(outer), "inner": _operator_name(inner), "max": n}
                                            for outer, inner_counts in value.items()
                                            for inner, n in inner_counts.items()]
        elif name == "model_selection":
            if value not in SELECTIONS:
                raise ValueError(f"sr_params: model_selection must be one of {', '.join(SELECTIONS)}, got {value!r}")
            options["selection"] = SELECTIONS[value]
        elif name == "precision":
            if value not in (32, 64):
                raise ValueError(f"sr_params: precision must be 32 or 64, got {value!r}")
            search["precision"] = "float" if value == 32 else "double"
        elif name == "batching":
            search["batching"] = 1 if value else -1
        elif name == "early_stop_condition":
            if value is None:
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise _unsupported(f"early_stop_condition={value!r}", "only a number (stop once the loss is below it)")
            search["target_loss"] = float(value)
        elif name in ("elementwise_loss", "loss"):
            _loss(name, value)
        elif name == "max_rows":
            options["max_rows"] = value
        else:
            raise _unsupported(name)
    if weights:
        search["mutation_weights"] = weights
    options["search"] = search
    if complexity:
        options["operator_complexity"] = complexity
    return options
