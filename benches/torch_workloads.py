"""PyTorch side of `cargo bench --bench workloads` (see the top of benches/workloads.rs).

    LOSSCAPE_TORCH_PYTHON=/path/to/python cargo bench --bench workloads

starts this script once as `python benches/torch_workloads.py --serve [--threads N]`.
It first writes one JSON line about itself:

    {"torch": "2.15.0", "capability": "AVX512", "threads": 2}
    (or {"error": "..."} when torch cannot be imported, then exits)

then answers requests, one JSON line in, one JSON line out, until stdin closes:

    {"workload": "iii", "measure": "slice", "budget_s": 0.5}        -> {"ms": ...}
    {"workload": "iii", "measure": "sgd", "batch": 32, "budget_s": 0.5}  -> {"per_s": ...}
    {"workload": "iii", "measure": "grad", "budget_s": 0.5}         -> {"ms": ...}
    {"workload": "iii", "measure": "hvp", "budget_s": 0.5}          -> {"ms": ...}
    anything that fails                                             -> {"error": "..."}

Each workload (model, data, directions) is built on first use and cached. Every request
warms up untimed, then returns the median over repetitions filling `budget_s` (the same
rule as the Rust side's `seconds_per_call`). Inputs and labels are random with the real
shapes: timing does not depend on data values.

`median_ms` and `problem` are also imported by benches/torch_curvature_reference.py.
"""
import json
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
except ImportError as e:  # reported to the bench, which then prints our figures only
    if __name__ == "__main__" and "--serve" in sys.argv:
        print(json.dumps({"error": f"cannot import torch: {e}"}), flush=True)
        sys.exit(0)
    raise

# (widths, activation, rows, loss) of the reference workloads.
WORKLOADS = {
    "i": ([2, 16, 16, 1], nn.Tanh, 2000, "bce"),
    "ii": ([64, 128, 128, 10], nn.ReLU, 1797, "ce"),
    "iii": ([784, 512, 512, 10], nn.ReLU, 4096, "ce"),
}

# Timing rule, as in benches/workloads.rs.
WARMUP_FRACTION = 0.1
BLOCK_S = 0.002
MIN_REPS = 3
MAX_REPS = 1000


def net(widths, act):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def problem(widths, act, n, loss):
    """A net with random inputs and labels of the real shapes: (model, x, y, criterion)."""
    model = net(widths, act)
    x = torch.randn(n, widths[0])
    if loss == "bce":
        y = torch.randint(0, 2, (n, 1)).float()
        crit = nn.BCEWithLogitsLoss()
    else:
        y = torch.randint(0, widths[-1], (n,))
        crit = nn.CrossEntropyLoss()
    return model, x, y, crit


def median_ms(f, budget=2.0):
    """Median ms per call of f over repetitions filling `budget` seconds."""
    return seconds_per_call(f, budget) * 1e3


def seconds_per_call(f, budget):
    """Warm up untimed (at least one call, about a tenth of the budget), then time blocks
    of calls long enough for the clock (BLOCK_S), as many as fill `budget` (MIN_REPS to
    MAX_REPS); the median block time per call."""
    calls, t0 = 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - t0 < WARMUP_FRACTION * budget:
        f()
        calls += 1
    one = max((time.perf_counter() - t0) / calls, 1e-7)
    block = max(1, math.ceil(BLOCK_S / one))
    reps = min(MAX_REPS, max(MIN_REPS, int(budget / (block * one))))
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(block):
            f()
        times.append((time.perf_counter() - t) / block)
    times.sort()
    return times[reps // 2]


class Workload:
    """One reference workload's model, data and the callables that are timed."""

    def __init__(self, widths, act, n, loss):
        torch.manual_seed(0)
        self.model, self.x, self.y, self.crit = problem(widths, act, n, loss)
        self.bce = loss == "bce"
        self.params = list(self.model.parameters())
        self.flat = torch.nn.utils.parameters_to_vector(self.params).detach().clone()
        self.dx = torch.randn_like(self.flat) * 1e-3
        self.dy = torch.randn_like(self.flat) * 1e-3
        self.v = [torch.randn_like(p) for p in self.params]
        self.perm = torch.randperm(n)

    def slice_point(self):
        """A slice grid point as loss-landscape scripts compute it: the weights set from
        θ + a·dx + b·dy, then loss and accuracy over the whole set without gradients."""
        coords = [(a / 8 - 1, b / 8 - 1) for b in range(16) for a in range(16)]
        state = {"i": 0}

        def point():
            a, b = coords[state["i"] % len(coords)]
            state["i"] += 1
            with torch.no_grad():
                torch.nn.utils.vector_to_parameters(self.flat + a * self.dx + b * self.dy, self.params)
                out = self.model(self.x)
                self.crit(out, self.y).item()
                if self.bce:
                    ((out > 0).float() == self.y).float().mean().item()
                else:
                    (out.argmax(1) == self.y).float().mean().item()

        return point

    def sgd_step(self, b):
        """One SGD step on a minibatch of b rows: plain tensor indexing, no DataLoader."""
        opt = torch.optim.SGD(self.params, lr=1e-3)
        n = self.x.shape[0]
        state = {"s": 0}

        def step():
            i = (state["s"] * b) % (n - b + 1)
            state["s"] += 1
            idx = self.perm[i:i + b]
            opt.zero_grad(set_to_none=True)
            self.crit(self.model(self.x[idx]), self.y[idx]).backward()
            opt.step()

        return step

    def grad(self):
        """Forward and backward over the whole set."""
        def full_grad():
            self.model.zero_grad(set_to_none=True)
            self.crit(self.model(self.x), self.y).backward()

        return full_grad

    def hvp(self):
        """Hessian-vector product by double backward (as PyHessian does)."""
        def hvp():
            g = torch.autograd.grad(self.crit(self.model(self.x), self.y), self.params, create_graph=True)
            dot = sum((gi * vi).sum() for gi, vi in zip(g, self.v))
            torch.autograd.grad(dot, self.params)

        return hvp


CACHE = {}


def answer(request):
    name = request["workload"]
    if name not in CACHE:
        CACHE[name] = Workload(*WORKLOADS[name])
    w = CACHE[name]
    measure, budget = request["measure"], float(request["budget_s"])
    if measure == "sgd":
        return {"per_s": 1.0 / seconds_per_call(w.sgd_step(int(request["batch"])), budget)}
    f = {"slice": w.slice_point, "grad": w.grad, "hvp": w.hvp}[measure]()
    return {"ms": seconds_per_call(f, budget) * 1e3}


def serve(threads):
    torch.set_num_threads(threads)
    hello = {"torch": torch.__version__, "capability": torch.backends.cpu.get_cpu_capability(), "threads": torch.get_num_threads()}
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
        except Exception as e:  # the bench reports it and stops
            reply = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    if "--serve" not in sys.argv:
        sys.exit(__doc__)
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
    serve(threads)
