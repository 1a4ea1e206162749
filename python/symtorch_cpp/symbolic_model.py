"""SymbolicModel: SymTorch's wrapper (wrap -> distill -> switch) on the symtorch-cpp engine.

Migrating a SymTorch script is changing `from symtorch import SymbolicModel` to
`from symtorch_cpp import SymbolicModel`. Where this class differs from SymTorch (as its source
shows) it is on purpose:
- every call of the block during parent_model's forward pass is recorded, not only the first;
  inputs of any rank are flattened to rows; the parent's train/eval flags are restored;
- output_dim=0 means output 0 (SymTorch's `if not output_dim` fits every output);
- the outputs are fitted in parallel, in one engine call;
- the symbolic forward is one JIT-compiled torch.classes.symtorch.Equation for all outputs,
  differentiable (compiled derivatives), instead of one lambdified sympy function per output;
- errors are raised (ValueError / RuntimeError, SymTorch's types) where SymTorch prints and
  returns, and a failed call changes nothing;
- state_dict() holds the fronts, options and the switched-to choice (complexities, SLIME) as
  plain data in the module's extra state, not dill pickles of regressors; loading restores the
  choice exactly;
- a callable block gets its input as given (a tensor stays a tensor).
"""
import sys

import torch
import torch.nn as nn

from . import _capture
from . import _sr_params
from . import pruning as _pruning
from . import slime as _slime
from .regressor import OutputFit, Regressor, check_options, run_fit

STATE_FORMAT = "symtorch_cpp.SymbolicModel"
STATE_VERSION = 1
KINDS = ("standard", "SLIME")


def _input_tensor(x):
    """x as a tensor: numpy float64 stays float64 (SymTorch makes every array float32)."""
    if isinstance(x, torch.Tensor):
        return x
    t = _capture.as_tensor(x, "input")
    return t if t.dtype in (torch.float32, torch.float64) else t.to(torch.float32)


def _kind(SLIME):
    return "SLIME" if SLIME else "standard"


class SymbolicModel(nn.Module):
    # SymTorch's defaults, so that a script that relies on them searches the same space.
    DEFAULT_SR_PARAMS = {
        "binary_operators": ["+", "*"],
        "unary_operators": ["inv(x) = 1/x", "sin", "exp"],
        "niterations": 400,
        "complexity_of_operators": {"sin": 3, "exp": 3},
    }
    DEFAULT_SLIME_PARAMS = dict(_slime.DEFAULT_SLIME_PARAMS)
    FIT_PARAMS = ("variable_names", "weights")

    def __init__(self, block, block_name=None):
        super().__init__()
        if not callable(block):
            raise ValueError(f"SymbolicModel: block must be an nn.Module or a callable, got {type(block).__name__}")
        self.symtorch_block = block
        self.block_name = block_name or f"block_{id(self)}"
        if not block_name:
            print(f"No name specified for this block. Label is {self.block_name}.")
        self.pysr_regressor = {}
        self.SLIME_pysr_regressor = {}
        self._transforms = {kind: {} for kind in KINDS}   # dim -> variable_transforms (None: raw inputs)
        self._output_squeezed = False
        self._switched = None                              # {"kind", "rows": {dim: row}}
        self._compiled = {}                                # dtype -> [(dims, Equation, transforms)]; not saved
        self.distill_data = None
        self.distill_data_slime = None

    # ----- helpers -----

    def _regressors(self, SLIME):
        return self.SLIME_pysr_regressor if SLIME else self.pysr_regressor

    def _is_module(self):
        return isinstance(self.symtorch_block, nn.Module)

    def _pruning_on(self):
        return getattr(self, "pruning_mask", None) is not None

    def _all_dims(self):
        return self.get_active_dimensions() if self._pruning_on() else list(range(self.output_dims))

    def _require_equations(self, SLIME):
        regs = self._regressors(SLIME)
        if not regs or not hasattr(self, "output_dims"):
            raise ValueError(f"No {_kind(SLIME)} equations found for {self.block_name} yet. "
                             f"You need to first run .distill with SLIME={SLIME}.")
        return regs

    def _block_outputs(self, x):
        if self._is_module():
            return _capture.call_block(self.symtorch_block, x)
        with torch.no_grad():
            return _capture.as_tensor(self.symtorch_block(x), "the block's output")

    def _recorded_rows(self, inputs, parent_model):
        cache = self.distill_data
        if (cache is not None and cache["parent_model"] is parent_model and isinstance(inputs, torch.Tensor)
                and cache["inputs"].shape == inputs.shape and cache["inputs"].dtype == inputs.dtype
                and torch.equal(cache["inputs"], inputs.detach().cpu())):
            print("🔄 Cache hit! Reusing I/O data from previous distill call.")
            return cache["x"], cache["y"], cache["squeezed"]
        if parent_model is not None:
            switched, self._switched = self._switched, None  # record the block even in symbolic mode
            try:
                x, y = _capture.record_block(self.symtorch_block, parent_model, inputs)
            finally:
                self._switched = switched
            squeezed = False
        else:
            out = _capture.as_tensor(self._block_outputs(inputs), "the block's output")
            x_in = _capture.as_tensor(inputs, "inputs")
            squeezed = out.dim() == x_in.dim() - 1 and x_in.dim() >= 1
            x, y = _capture.to_rows(x_in, out, "distill")
        if isinstance(inputs, torch.Tensor):
            self.distill_data = {"inputs": inputs.detach().cpu().clone(), "parent_model": parent_model,
                                 "x": x, "y": y, "squeezed": squeezed}
        return x, y, squeezed

    @staticmethod
    def _features(rows, transforms):
        if transforms is None:
            return rows
        columns = []
        for i, t in enumerate(transforms):
            try:
                v = t(rows)
            except Exception as e:  # the user's function: say which one failed
                raise ValueError(f"Error applying transformation {i}: {e}") from e
            v = _capture.as_tensor(v, f"transformation {i}") if not isinstance(v, torch.Tensor) else v
            v = v.reshape(-1)
            if v.shape[0] != rows.shape[0]:
                raise ValueError(f"transformation {i} gave {v.shape[0]} values for {rows.shape[0]} input rows")
            columns.append(v.to(rows.dtype) if v.is_floating_point() else v.to(torch.float64))
        return torch.stack(columns, dim=1)

    # ----- distill -----

    def distill(self, inputs, output_dim=None, parent_model=None, variable_transforms=None, save_path=None,
                sr_params=None, fit_params=None, SLIME=False, slime_params=None):
        """Fits equations to the block's outputs; returns {dim: Regressor}, or one Regressor for output_dim."""
        if not self._is_module() and parent_model is not None:
            raise ValueError("Cannot use parent_model with Callable functions. Hooks are only supported for "
                             "nn.Module objects. Please call distill() without parent_model argument and pass "
                             "inputs directly to the function.")
        params = {**self.DEFAULT_SR_PARAMS, **(sr_params or {})}
        options = _sr_params.translate(params)
        check_options(options)
        fit_params = dict(fit_params or {})
        unknown = sorted(set(fit_params) - set(self.FIT_PARAMS))
        if unknown:
            raise ValueError(f"fit_params: unknown key(s) {', '.join(map(repr, unknown))}; supported: "
                             f"{', '.join(self.FIT_PARAMS)}")
        variable_names = fit_params.get("variable_names")
        if variable_transforms is not None:
            variable_transforms = list(variable_transforms)
            if not variable_transforms or not all(callable(t) for t in variable_transforms):
                raise ValueError("variable_transforms must be a non-empty list of callables")
            if variable_names is not None and len(variable_names) != len(variable_transforms):
                raise ValueError(f"Length of variable_names ({len(variable_names)}) must match length of "
                                 f"variable_transforms ({len(variable_transforms)})")
        slime = _slime.slime_params_with_defaults(slime_params) if SLIME else None
        if SLIME and slime["x"] is not None and fit_params.get("weights") is not None:
            raise ValueError("fit_params['weights'] cannot be combined with SLIME around a point: SLIME sets "
                             "the weights from the distance to slime_params['x']")
        if save_path is not None:
            print(f"ℹ️ save_path={save_path!r}: symtorch_cpp writes no SR output files; the fronts are kept in "
                  "the model (and its state_dict).")

        x, y, squeezed = self._recorded_rows(inputs, parent_model)
        n_outputs = y.shape[1]
        if self._pruning_on():
            if self.pruning_mask.numel() != n_outputs:
                raise ValueError(f"pruning was set up for {self.pruning_mask.numel()} output dimensions but the "
                                 f"block has {n_outputs}")
            available = self.get_active_dimensions()
        else:
            available = list(range(n_outputs))
        if output_dim is not None:
            if not isinstance(output_dim, int) or output_dim not in available:
                raise ValueError(f"output_dim {output_dim!r} is out of range for outputs with {n_outputs} "
                                 f"dimensions" + (f" (active: {available})" if self._pruning_on() else ""))
            dims = [output_dim]
        else:
            dims = available
        if not dims:
            raise ValueError("No active dimensions to distill")

        weights = fit_params.get("weights")
        if SLIME:
            print("🔍 SLIME mode: " + ("Global (no local focus point)" if slime["x"] is None else
                                      f"around {slime['x']}"))
            samples, slime_weights = _slime.local_samples(x, slime, options["search"].get("seed", 0))
            if slime_weights is not None:
                x = samples.to(x.dtype)
                _, y = _capture.to_rows(x, _capture.as_tensor(self._block_outputs(x), "the block's output"), "SLIME")
                weights = slime_weights
        features = self._features(x, variable_transforms).to(torch.float64)
        if weights is not None:
            weights = _capture.as_tensor(weights, "fit_params['weights']").to(torch.float64).reshape(-1)
        for d in dims:
            print(f"🛠️ Running SR on output dimension {d} of {n_outputs - 1}")
        fits = run_fit(features, y[:, dims].to(torch.float64), options, weights, variable_names,
                       [f"y{d}" for d in dims])
        regressors = {d: Regressor._from_fit(params, options, fit) for d, fit in zip(dims, fits)}
        for d, r in regressors.items():
            print(f"💡Best equation for output {d} found to be {r.get_best()['equation']}.")
        print(f"❤️ SR on {self.block_name} complete.")

        kind = _kind(SLIME)
        self._regressors(SLIME).update(regressors)
        for d in dims:
            self._transforms[kind][d] = variable_transforms
        self.output_dims = n_outputs
        self._output_squeezed = squeezed
        return regressors[output_dim] if output_dim is not None else regressors

    # ----- switching -----

    def _row_for(self, regressor, dim, complexity):
        if complexity is None:
            return regressor.chosen_index
        try:
            return regressor.index_of_complexity(complexity)
        except ValueError as e:
            raise ValueError(f"dimension {dim}: {e}") from None

    def _compile(self, switched, dtype):
        """[(dims, Equation, transforms)]: one compiled Equation per group of dims sharing their inputs."""
        kind = switched["kind"]
        regs = self._regressors(kind == "SLIME")
        groups = {}
        for dim, row in switched["rows"].items():
            transforms = self._transforms[kind].get(dim)
            names = tuple(regs[dim].feature_names_in_)
            groups.setdefault((id(transforms), names), (transforms, []))[1].append((dim, row))
        out = []
        for (_, names), (transforms, members) in groups.items():
            equations = [regs[d].equation(row) for d, row in members]
            eq = torch.classes.symtorch.Equation(equations, list(names), str(dtype).replace("torch.", ""))
            out.append(([d for d, _ in members], eq, transforms))
        return out

    def switch_to_symbolic(self, complexity=None, SLIME=False):
        """Forward passes use the equations: each dim's chosen one, or the one of `complexity`
        (an int for every dim, or a list with one per dim)."""
        regs = self._require_equations(SLIME)
        dims = self._all_dims()
        if not dims:
            raise ValueError("No active dimensions to switch to equations.")
        missing = [d for d in dims if d not in regs]
        if missing:
            raise ValueError(f"Missing {_kind(SLIME)} equations for dimensions {missing}. You need to run .distill "
                             f"with SLIME={SLIME} on all output dimensions first (available: {sorted(regs)}).")
        if isinstance(complexity, (list, tuple)):
            if len(complexity) != len(dims):
                raise ValueError(f"complexity has {len(complexity)} values for {len(dims)} dimensions {dims}")
            per_dim = dict(zip(dims, complexity))
        else:
            per_dim = {d: complexity for d in dims}
        rows = {d: self._row_for(regs[d], d, per_dim[d]) for d in dims}
        switched = {"kind": _kind(SLIME), "rows": rows}
        compiled = self._compile(switched, torch.float32)   # refuses what cannot compile, before any change
        self._switched, self._compiled = switched, {torch.float32: compiled}
        label = "SLIME " if SLIME else ""
        print(f"✅ Successfully switched {self.block_name} to {label}symbolic equations for "
              f"{'all ' if not self._pruning_on() else ''}{len(dims)} {'active ' if self._pruning_on() else ''}"
              "dimensions:")
        for d in dims:
            r = regs[d]
            print(f"   Dimension {d}: {r.equation(rows[d])}")
            print(f"   Variables: {r.feature_names_in_}")
        if self._pruning_on():
            print(f"🎯 Active dimensions {dims} now using {label}symbolic equations.")
            print("🔒 Inactive dimensions will output zeros.")
        else:
            print(f"🎯 All {len(dims)} output dimensions now using {label}symbolic equations.")

    def switch_to_block(self):
        self._switched = None
        self._compiled = {}
        print(f"✅ Switched {self.block_name} back to block")

    @property
    def using_symbolic(self):
        return self._switched is not None

    # ----- forward -----

    def forward(self, x):
        if self._switched is not None:
            return self._symbolic_forward(x)
        if self._is_module():
            out = self.symtorch_block(x)
        else:
            out = self.symtorch_block(x)
            if isinstance(x, torch.Tensor) and not isinstance(out, torch.Tensor):
                out = torch.as_tensor(out, dtype=x.dtype, device=x.device)
        if self._pruning_on():
            out = out * self.pruning_mask
        return out

    def _symbolic_forward(self, x):
        is_tensor = isinstance(x, torch.Tensor)
        xt = _input_tensor(x)
        if xt.dim() == 0:
            raise ValueError("SymbolicModel: expected an input of shape [..., features], got a scalar")
        x2 = xt.reshape(-1, xt.shape[-1]) if xt.dim() > 1 else xt.reshape(-1, 1)
        dtype = xt.dtype if xt.dtype in (torch.float32, torch.float64) else torch.float32
        rows = x2.to("cpu", dtype)
        if dtype not in self._compiled:
            self._compiled[dtype] = self._compile(self._switched, dtype)
        width = self.pruning_mask.numel() if self._pruning_on() else self.output_dims
        groups = self._compiled[dtype]
        parts = []
        for dims, eq, transforms in groups:
            features = self._features(rows, transforms).to(dtype).contiguous()
            if features.shape[1] != eq.num_inputs():
                raise ValueError(f"SymbolicModel: the equations take {eq.num_inputs()} inputs "
                                 f"({', '.join(eq.input_names())}), got {features.shape[1]} columns")
            parts.append((dims, eq.forward(features)))
        if len(parts) == 1 and parts[0][0] == list(range(width)):
            out = parts[0][1]
        else:
            out = torch.zeros(rows.shape[0], width, dtype=dtype)
            for dims, values in parts:
                out = out.index_copy(1, torch.tensor(dims), values)
        lead = list(xt.shape[:-1]) if xt.dim() > 1 else [xt.shape[0]]
        out = out.reshape(lead + [width])
        if self._output_squeezed and width == 1:
            out = out.squeeze(-1)
        if is_tensor:
            out = out.to(device=xt.device, dtype=xt.dtype if xt.is_floating_point() else dtype)
            if self._pruning_on():
                out = out * self.pruning_mask.to(out.device)
            return out
        return out.detach().numpy()

    # ----- inspection -----

    def get_symbolic_function(self, dim=0, complexity=None, SLIME=False):
        """f(x) -> numpy array of dimension `dim`'s equation (chosen, or of `complexity`)."""
        regs = self._require_equations(SLIME)
        if self.output_dims == 1:
            dim = 0
        elif not isinstance(dim, int) or not 0 <= dim < self.output_dims:
            raise ValueError(f"Dimension {dim} out of range. Model has {self.output_dims} output dimensions "
                             f"(0-{self.output_dims - 1})")
        if dim not in regs:
            raise ValueError(f"No {_kind(SLIME)} equation found for dimension {dim}. Available dimensions: "
                             f"{sorted(regs)}")
        row = self._row_for(regs[dim], dim, complexity)
        single = {"kind": _kind(SLIME), "rows": {dim: row}}
        compiled = {dt: self._compile(single, dt) for dt in (torch.float32, torch.float64)}

        def symbolic_func(x):
            xt = _input_tensor(x)
            dtype = xt.dtype if xt.dtype in compiled else torch.float32
            rows = xt.detach().reshape(-1, xt.shape[-1]).to("cpu", dtype)
            _, eq, transforms = compiled[dtype][0]
            return eq.forward(self._features(rows, transforms).to(dtype).contiguous())[:, 0].numpy()

        return symbolic_func

    def show_symbolic_expression(self, dim=None, complexity=None, SLIME=False):
        regs = self._require_equations(SLIME)
        name = _kind(SLIME)
        if isinstance(dim, int):
            dims = [dim]
        elif dim is None:
            dims = self._all_dims()
            if self._pruning_on() and dims:
                print(f"ℹ️ Showing {name} expressions for {len(dims)} active dimensions (out of "
                      f"{self.output_dims} total)")
        else:
            dims = list(dim)
        out = sys.stdout
        if complexity is None:
            for d in dims:
                if d not in regs:
                    print(f"❌ No {name} expression distilled for output dimension {d}.", file=out)
                    continue
                print(f"\n➡️ {name.capitalize()} symbolic expressions for output dimension {d}:", file=out)
                print(regs[d].equations_, file=out)
                best = regs[d].get_best()
                print(f"🏆 Best: {best['equation']} (loss: {best['loss']:.6e})", file=out)
            return
        complexities = [complexity] * len(dims) if isinstance(complexity, int) else list(complexity)
        if len(complexities) != len(dims):
            raise ValueError(f"Complexity list length ({len(complexities)}) must match dimension list length "
                             f"({len(dims)})")
        for d, c in zip(dims, complexities):
            if d not in regs:
                print(f"❌ No {name} expression distilled for output dimension {d}.", file=out)
                continue
            rows = regs[d]._require_fit().rows
            match = [r for r in rows if r["complexity"] == c]
            if not match:
                print(f"❌ No equation with complexity {c} for dimension {d}. Available: "
                      f"{[r['complexity'] for r in rows]}", file=out)
                continue
            print(f"\n➡️ Dimension {d} - Complexity {c}:", file=out)
            print(f"   {match[0]['equation']} (loss: {match[0]['loss']:.6e})", file=out)

    def clear_cache(self):
        self.distill_data = None
        self.distill_data_slime = None
        print(f"✅ Cache cleared for {self.block_name}.")

    # ----- pruning -----

    def setup_pruning(self, initial_dim, target_dim, total_steps, end_step_frac=0.5, decay_rate="exp"):
        if not self._is_module():
            raise ValueError("❌ Pruning only works on PyTorch MLPs, not callable functions.")
        schedule = _pruning.pruning_schedule(initial_dim, target_dim, total_steps, end_step_frac, decay_rate)
        self.initial_dim, self.target_dim, self.current_dim = initial_dim, target_dim, initial_dim
        self.pruning_schedule = schedule
        self.register_buffer("pruning_mask", torch.ones(initial_dim, dtype=torch.bool))
        print(f"✅ Pruning successfully set up for block {self.block_name}.")
        print(f"   Initial dimensions: {initial_dim}")
        print(f"   Target dimensions: {target_dim}")
        print(f"   Total steps: {total_steps}")
        print(f"   Pruning will complete at step {int(end_step_frac * total_steps)}")

    def prune(self, step, sample_data, parent_model=None):
        """Keeps the schedule's number of dimensions at `step`: those of largest standard deviation."""
        if getattr(self, "pruning_schedule", None) is None:
            raise RuntimeError("Pruning schedule is not set. Call setup_pruning() first.")
        if step not in self.pruning_schedule:
            return
        keep = self.pruning_schedule[step]
        if parent_model is not None:
            _, outputs = _capture.record_block(self.symtorch_block, parent_model, sample_data)
        else:
            _, outputs = _capture.to_rows(sample_data, _capture.call_block(self.symtorch_block, sample_data), "prune")
        if outputs.shape[1] != self.pruning_mask.numel():
            raise ValueError(f"prune: the block has {outputs.shape[1]} outputs but pruning was set up for "
                             f"{self.pruning_mask.numel()}")
        spread = outputs.to(torch.float64).std(dim=0)
        most = torch.argsort(spread, descending=True, stable=True)[:keep]
        mask = torch.zeros_like(self.pruning_mask)
        mask[most.to(mask.device)] = True
        self.pruning_mask.copy_(mask)
        self.current_dim = keep

    def get_active_dimensions(self):
        if not self._pruning_on():
            raise RuntimeError("Pruning has not been set up for this block. Call setup_pruning() first.")
        return torch.where(self.pruning_mask)[0].tolist()

    # ----- state -----

    def get_extra_state(self):
        fits = {}
        for kind in KINDS:
            regs = self._regressors(kind == "SLIME")
            fits[kind] = {int(d): {"fit": r._require_fit().to_data(), "options": r._options,
                                   "transforms": self._transforms[kind].get(d)} for d, r in regs.items()}
        pruning = None
        if getattr(self, "pruning_schedule", None) is not None:
            pruning = {"initial_dim": self.initial_dim, "target_dim": self.target_dim,
                       "current_dim": self.current_dim, "schedule": dict(self.pruning_schedule)}
        return {"format": STATE_FORMAT, "version": STATE_VERSION, "block_name": self.block_name,
                "output_dims": getattr(self, "output_dims", None), "output_squeezed": self._output_squeezed,
                "fits": fits, "pruning": pruning,
                "switched": None if self._switched is None else
                {"kind": self._switched["kind"], "rows": dict(self._switched["rows"])}}

    def _parse_state(self, state):
        """Everything set_extra_state would set, checked; ValueError naming the field."""
        if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
            raise ValueError(f"SymbolicModel.load_state_dict: the extra state is not a {STATE_FORMAT} state")
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"SymbolicModel.load_state_dict: state version {state.get('version')!r}; this "
                             f"version reads {STATE_VERSION}")
        parsed = {"block_name": state["block_name"], "output_dims": state["output_dims"],
                  "output_squeezed": bool(state["output_squeezed"]), "pruning": state["pruning"],
                  "regressors": {}, "transforms": {}}
        for kind in KINDS:
            parsed["regressors"][kind], parsed["transforms"][kind] = {}, {}
            for d, entry in state["fits"][kind].items():
                fit = OutputFit.from_data(entry["fit"], f"fits.{kind}[{d}]")
                parsed["regressors"][kind][int(d)] = Regressor._from_fit({}, entry["options"], fit)
                parsed["transforms"][kind][int(d)] = entry["transforms"]
        switched = state["switched"]
        if switched is not None:
            regs = parsed["regressors"].get(switched["kind"], {})
            for d, row in switched["rows"].items():
                if d not in regs or not 0 <= row < len(regs[d]._require_fit().rows):
                    raise ValueError(f"SymbolicModel.load_state_dict: switched.rows[{d}] = {row} has no equation")
        parsed["switched"] = switched
        return parsed

    def set_extra_state(self, state):
        p = self._parse_state(state)
        probe = SymbolicModel.__new__(SymbolicModel)   # compile against the new fits before changing anything
        probe.__dict__.update({"SLIME_pysr_regressor": p["regressors"]["SLIME"],
                               "pysr_regressor": p["regressors"]["standard"], "_transforms": p["transforms"]})
        compiled = {} if p["switched"] is None else {torch.float32: SymbolicModel._compile(probe, p["switched"],
                                                                                         torch.float32)}
        self.block_name = p["block_name"]
        if p["output_dims"] is not None:
            self.output_dims = p["output_dims"]
        self._output_squeezed = p["output_squeezed"]
        self.pysr_regressor = p["regressors"]["standard"]
        self.SLIME_pysr_regressor = p["regressors"]["SLIME"]
        self._transforms = p["transforms"]
        if p["pruning"] is not None:
            self.initial_dim = p["pruning"]["initial_dim"]
            self.target_dim = p["pruning"]["target_dim"]
            self.current_dim = p["pruning"]["current_dim"]
            self.pruning_schedule = {int(k): v for k, v in p["pruning"]["schedule"].items()}
        self._switched, self._compiled = p["switched"], compiled
        self.distill_data = self.distill_data_slime = None

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        extra = state_dict.get(prefix + "_extra_state")
        if extra is not None:
            self._parse_state(extra)   # refuse a bad state before any tensor is copied
        mask_key = prefix + "pruning_mask"
        if mask_key in state_dict and not self._pruning_on():
            self.register_buffer("pruning_mask", torch.ones_like(state_dict[mask_key], dtype=torch.bool))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_compiled"] = {}       # compiled kernels are rebuilt on the first forward pass
        state["distill_data"] = state["distill_data_slime"] = None
        return state
