"""PyTorch reference timings for the workloads in benches/workloads.rs (not run by CI).

Run on the same machine as the Rust bench:  python3 benches/torch_reference.py
Writes benches/torch_reference.json, which the Rust bench reads for its ratio table.
Prints ms per full-batch gradient and per HVP (double backward, as PyHessian does),
and SGD steps/s with plain tensor indexing (no DataLoader: the strongest baseline).
Timing does not depend on data values, so the inputs are random with the real shapes.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(2)
torch.manual_seed(0)


def net(widths, act):
    layers = []
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i < len(widths) - 2:
            layers.append(act())
    return nn.Sequential(*layers)


def median_ms(f, budget=2.0):
    f()
    t0 = time.perf_counter()
    f()
    one = max(time.perf_counter() - t0, 1e-7)
    reps = max(5, min(2000, int(budget / one)))
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[reps // 2] * 1e3


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


def workload(name, widths, act, n, loss):
    model, x, y, crit = problem(widths, act, n, loss)
    params = list(model.parameters())

    def grad():
        model.zero_grad(set_to_none=True)
        crit(model(x), y).backward()

    v = [torch.randn_like(p) for p in params]

    def hvp():
        g = torch.autograd.grad(crit(model(x), y), params, create_graph=True)
        dot = sum((gi * vi).sum() for gi, vi in zip(g, v))
        torch.autograd.grad(dot, params)

    # A slice grid point as loss-landscape computes it: set the weights from a flat vector,
    # then evaluate loss and accuracy over the whole set without gradients.
    flat = torch.nn.utils.parameters_to_vector(params).detach()
    d = torch.randn_like(flat) * 1e-3

    def point():
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(flat + d, params)
            out = model(x)
            crit(out, y).item()
            if loss == "bce":
                ((out > 0).float() == y).float().mean().item()
            else:
                (out.argmax(1) == y).float().mean().item()

    RESULTS["slice_point_ms"].append(median_ms(point))
    tg, th = median_ms(grad), median_ms(hvp)
    print(f"{name:<36} grad {tg:9.3f} ms   hvp {th:9.3f} ms   hvp/grad {th / tg:5.2f}   slice point {RESULTS['slice_point_ms'][-1]:8.3f} ms")
    RESULTS["grad_ms"].append(tg)
    RESULTS["hvp_ms"].append(th)
    return model, x, y, crit


def sgd_steps_per_s(model, x, y, crit, b, steps=3000):
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    n = x.shape[0]
    perm = torch.randperm(n)
    t = time.perf_counter()
    for s in range(steps):
        i = (s * b) % (n - b + 1)
        idx = perm[i:i + b]
        opt.zero_grad(set_to_none=True)
        crit(model(x[idx]), y[idx]).backward()
        opt.step()
    return steps / (time.perf_counter() - t)


RESULTS = {"grad_ms": [], "hvp_ms": [], "sgd_steps_per_s": [], "slice_point_ms": []}

def mnist_sgd_only(batches):
    """`--mnist-sgd B...`: SGD steps/s of the MNIST net only, as JSON on stdout, for
    `LOSSCAPE_BENCH_SGD_ROUNDS` in benches/workloads.rs (interleaved rounds)."""
    model, x, y, crit = problem([784, 512, 512, 10], nn.ReLU, 4096, "ce")
    out = {b: sgd_steps_per_s(model, x, y, crit, b, steps=3000 if b <= 32 else 600) for b in batches}
    print(json.dumps(out))


if __name__ == "__main__" and "--mnist-sgd" in sys.argv:
    mnist_sgd_only([int(b) for b in sys.argv[sys.argv.index("--mnist-sgd") + 1:]])
elif __name__ == "__main__":
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {torch.backends.cpu.get_cpu_capability()}")
    w1 = workload("(i) spirals [2,16,16,1] tanh", [2, 16, 16, 1], nn.Tanh, 2000, "bce")
    w2 = workload("(ii) digits [64,128,128,10] relu", [64, 128, 128, 10], nn.ReLU, 1797, "ce")
    w3 = workload("(iii) mnist [784,512,512,10] relu", [784, 512, 512, 10], nn.ReLU, 4096, "ce")
    for (w, b, name) in [(w1, 1, "(i)"), (w1, 32, "(i)"), (w2, 32, "(ii)"), (w3, 32, "(iii)"), (w3, 256, "(iii)")]:
        sps = sgd_steps_per_s(*w, b)
        RESULTS["sgd_steps_per_s"].append(sps)
        print(f"SGD {name} batch {b}: {sps:9.0f} steps/s")
    RESULTS["torch"] = torch.__version__
    RESULTS["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_reference.json")
    with open(out, "w") as f:
        json.dump(RESULTS, f, indent=1)
    print(f"wrote {out} (read by `cargo bench --bench workloads`)")
