"""PyTorch / PyHessian reference for `cargo bench --bench curvature` (not run by CI).

Run on the same machine as the Rust bench:  python3 benches/torch_curvature_reference.py
Writes benches/torch_curvature_reference.json, which the Rust bench reads for table b.

For each reference workload (same shapes as benches/workloads.rs; random inputs and
labels as in benches/torch_workloads.py, since timing does not depend on data values) it
trains the net briefly with Adam (batch 32, the same steps and learning rates as the Rust
bench) from PyTorch's default init, then times "top-3 eigenvalues + trace + λmin":
  - top-3: PyHessian's `hessian.eigenvalues(maxIter=100, tol=1e-3, top_n=3)` (deflated
    power iteration);
  - trace: PyHessian's `hessian.trace(maxIter=100, tol=1e-3)` (Rademacher Hutchinson);
  - λmin: shifted power iteration, the usual recipe with PyHessian: the top eigenvalue μ
    of H − λmax·I by PyHessian's own power-iteration loop (maxIter=100, tol=1e-3, written
    with pyhessian.utils), λmin = μ + λmax.
The PyHessian `hessian(...)` set-up (forward + backward with create_graph=True, reused by
every HVP) is included in the total. HVPs are counted by wrapping
pyhessian's `hessian_vector_product`. Every method is capped by PyHessian's default
maxIter = 100 (per eigenvalue for top-3), so the worst case is 500 HVPs per workload:
about 2.5 minutes for (iii) at ~0.3 s per HVP.

Uses the pip package `pyhessian` (0.1) when importable (its `density` calls the removed
torch.eig, but eigenvalues and trace work with torch 2.x); otherwise a faithful copy of
its eigenvalues / trace loops below.
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_workloads import median_ms, problem  # noqa: E402  (shared with the workloads bench)

torch.set_num_threads(2)
torch.manual_seed(0)

COUNT = {"hvp": 0}

try:
    import pyhessian  # noqa: F401
    from pyhessian import hessian as PyHessian
    from pyhessian.utils import group_add, group_product, normalization

    _ph_module = sys.modules["pyhessian.hessian"]
    _hvp = _ph_module.hessian_vector_product

    def hessian_vector_product(gradsH, params, v):
        COUNT["hvp"] += 1
        return _hvp(gradsH, params, v)

    _ph_module.hessian_vector_product = hessian_vector_product
    IMPL = "pyhessian 0.1 (pip): hessian.eigenvalues(top_n=3) + hessian.trace; λmin by shifted power iteration with pyhessian.utils"
except ImportError:
    PyHessian = None

    def group_product(xs, ys):
        return sum(torch.sum(x * y) for x, y in zip(xs, ys))

    def group_add(params, update, alpha=1):
        for i, _ in enumerate(params):
            params[i].data.add_(update[i] * alpha)
        return params

    def normalization(v):
        s = group_product(v, v) ** 0.5
        s = s.cpu().item()
        return [vi / (s + 1e-6) for vi in v]

    def hessian_vector_product(gradsH, params, v):
        COUNT["hvp"] += 1
        return torch.autograd.grad(gradsH, params, grad_outputs=v, only_inputs=True, retain_graph=True)

    IMPL = "re-implementation of PyHessian 0.1's eigenvalues / trace loops (pyhessian not importable)"


class MiniHessian:
    """PyHessian's `hessian` class (single batch, CPU), used only without the package."""

    def __init__(self, model, criterion, data):
        self.model = model.eval()
        x, y = data
        loss = criterion(model(x), y)
        loss.backward(create_graph=True)
        self.params = [p for p in model.parameters() if p.requires_grad]
        self.gradsH = [p.grad + 0.0 for p in self.params]

    def eigenvalues(self, maxIter=100, tol=1e-3, top_n=1):
        eigenvalues, eigenvectors = [], []
        while len(eigenvalues) < top_n:
            eigenvalue = None
            v = normalization([torch.randn(p.size()) for p in self.params])
            for _ in range(maxIter):
                for u in eigenvectors:  # pyhessian.utils.orthnormal
                    v = group_add(v, u, alpha=-group_product(v, u))
                v = normalization(v)
                self.model.zero_grad()
                Hv = hessian_vector_product(self.gradsH, self.params, v)
                tmp = group_product(Hv, v).cpu().item()
                v = normalization(Hv)
                if eigenvalue is None:
                    eigenvalue = tmp
                elif abs(eigenvalue - tmp) / (abs(eigenvalue) + 1e-6) < tol:
                    break
                else:
                    eigenvalue = tmp
            eigenvalues.append(eigenvalue)
            eigenvectors.append(v)
        return eigenvalues, eigenvectors

    def trace(self, maxIter=100, tol=1e-3):
        trace_vhv, trace = [], 0.0
        for _ in range(maxIter):
            self.model.zero_grad()
            v = [torch.randint_like(p, high=2) for p in self.params]
            for v_i in v:
                v_i[v_i == 0] = -1
            Hv = hessian_vector_product(self.gradsH, self.params, v)
            trace_vhv.append(group_product(Hv, v).cpu().item())
            if abs(np.mean(trace_vhv) - trace) / (trace + 1e-6) < tol:
                return trace_vhv
            trace = np.mean(trace_vhv)
        return trace_vhv


def shifted_power_min(hc, lambda_max, maxIter=100, tol=1e-3):
    """λmin = μ + λmax, μ the top eigenvalue of H − λmax·I by PyHessian's loop."""
    eigenvalue = None
    v = normalization([torch.randn(p.size()) for p in hc.params])
    for _ in range(maxIter):
        hc.model.zero_grad()
        Hv = hessian_vector_product(hc.gradsH, hc.params, v)
        Av = [h - lambda_max * vi for h, vi in zip(Hv, v)]
        tmp = group_product(Av, v).cpu().item()
        v = normalization(Av)
        if eigenvalue is None:
            eigenvalue = tmp
        elif abs(eigenvalue - tmp) / (abs(eigenvalue) + 1e-6) < tol:
            break
        else:
            eigenvalue = tmp
    return eigenvalue + lambda_max


def workload(name, widths, act, n, loss, steps, lr):
    model, x, y, crit = problem(widths, act, n, loss)
    # Brief Adam training (batch 32), as the Rust bench does.
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(1)
    for s in range(steps):
        idx = torch.randint(0, n, (32,), generator=g)
        opt.zero_grad(set_to_none=True)
        crit(model(x[idx]), y[idx]).backward()
        opt.step()
    opt.zero_grad(set_to_none=True)
    with torch.no_grad():
        final_loss = crit(model(x), y).item()

    cls = PyHessian if PyHessian is not None else MiniHessian
    kwargs = {"cuda": False} if PyHessian is not None else {}
    t0 = time.perf_counter()
    hc = cls(model, crit, data=(x, y), **kwargs)
    setup_s = time.perf_counter() - t0

    v = normalization([torch.randn(p.size()) for p in hc.params])
    hvp_ms = median_ms(lambda: hessian_vector_product(hc.gradsH, hc.params, v))

    COUNT["hvp"] = 0
    t = time.perf_counter()
    top, _ = hc.eigenvalues(maxIter=100, tol=1e-3, top_n=3)
    top3_s, top3_h = time.perf_counter() - t, COUNT["hvp"]

    COUNT["hvp"] = 0
    t = time.perf_counter()
    tr = float(np.mean(hc.trace(maxIter=100, tol=1e-3)))
    trace_s, trace_h = time.perf_counter() - t, COUNT["hvp"]

    COUNT["hvp"] = 0
    t = time.perf_counter()
    lmin = shifted_power_min(hc, top[0], maxIter=100, tol=1e-3)
    lmin_s, lmin_h = time.perf_counter() - t, COUNT["hvp"]

    total = setup_s + top3_s + trace_s + lmin_s
    print(
        f"{name:<36} loss {final_loss:.4f}  hvp {hvp_ms:8.3f} ms  set-up {setup_s:6.3f} s  "
        f"top-3 {top3_s:7.3f} s ({top3_h} HVPs)  trace {trace_s:7.3f} s ({trace_h})  "
        f"λmin {lmin_s:7.3f} s ({lmin_h})  total {total:7.3f} s"
    )
    print(f"{'':<36} top-3 {[round(e, 6) for e in top]}  trace {tr:.6f}  λmin {lmin:.6f}")
    return {
        "name": name,
        "train_steps": steps,
        "final_loss": final_loss,
        "hvp_ms": hvp_ms,
        "setup_s": setup_s,
        "top3_s": top3_s,
        "trace_s": trace_s,
        "lambda_min_s": lmin_s,
        "total_s": total,
        "hvps": {"top3": top3_h, "trace": trace_h, "lambda_min": lmin_h},
        "eigenvalues": top,
        "trace": tr,
        "lambda_min": lmin,
    }


if __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {torch.backends.cpu.get_cpu_capability()}")
    print(f"implementation: {IMPL}")
    ws = [
        workload("(i) spirals [2,16,16,1] tanh", [2, 16, 16, 1], nn.Tanh, 2000, "bce", 2000, 1e-2),
        workload("(ii) digits [64,128,128,10] relu", [64, 128, 128, 10], nn.ReLU, 1797, "ce", 1000, 1e-3),
        workload("(iii) mnist [784,512,512,10] relu", [784, 512, 512, 10], nn.ReLU, 4096, "ce", 200, 1e-3),
    ]
    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "implementation": IMPL,
        "settings": "eigenvalues maxIter=100 tol=1e-3 top_n=3; trace maxIter=100 tol=1e-3; "
        "λmin shifted power maxIter=100 tol=1e-3; f32; random data; Adam-trained (batch 32) from "
        "PyTorch's default init; total = set-up + top-3 + trace + λmin",
        "workloads": ws,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_curvature_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print(f"wrote {path} (read by `cargo bench --bench curvature`)")
