#!/usr/bin/python3
"""PyTorch reference for `npm run bench` (scripts/bench.ts): the same protocol
pieces as the tfjs cases, on the CPU, with as many threads as BENCH_TORCH_THREADS
(default: all cores). One JSON object per line on stdout, progress on stderr.

  a  training step of an MLP 784-512-512-10, batch 256, cross-entropy, Adam
  g  training step of notebook 07's large CNN teacher (28x28x1 -> conv 3x3 32,
     relu -> maxpool 2 -> conv 3x3 64, relu -> maxpool 2 -> dense 128, relu ->
     10), batch 64, cross-entropy, Adam
  h  one epoch of a 784-128-10 student on 55,000 rows at batch 256, distilled
     from cached teacher logits (0.5 CE + 0.5 T^2 KL at T = 4, Adam), then its
     evaluation on 10,000 test rows (what the trainer does each epoch)

Random data from fixed seeds; msPerStep is the median of the timed runs after
warm-up (for h one run = one epoch). Needs Debian's python3-torch.
"""
import json
import os
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the bench prints a skipped line for this
    print(json.dumps({"case": "pytorch", "skipped": f"PyTorch is not installed ({e}); apt-get install python3-torch"}))
    sys.exit(0)

QUICK = os.environ.get("BENCH_QUICK") == "1"
THREADS = int(os.environ.get("BENCH_TORCH_THREADS", str(os.cpu_count() or 1)))
torch.set_num_threads(THREADS)
CASES = set(filter(None, os.environ.get("BENCH_CASES", "a,g,h").split(",")))
COMMON = {"backend": f"pytorch-cpu-{THREADS}threads", "torch": torch.__version__, "threads": THREADS}


def progress(msg):
    sys.stderr.write(f"[bench] pytorch: {msg}\n")


def time_it(fn, warmup, min_runs, max_runs, budget_s):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), len(times)


def emit(case, ms, runs, warmup, **extra):
    print(json.dumps({"case": case, **COMMON, "msPerStep": round(ms, 3), "steps": runs, "warmup": warmup, **extra}), flush=True)
    progress(f"{case} {ms:.1f} ms ({runs} runs)")


def train_step(model, opt, loss_fn, x):
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x))
        loss.backward()
        opt.step()
    return step


def mlp(dims):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def cnn():
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )


def kd_loss(logits, teacher, labels, t=4.0, alpha=0.5):
    ce = F.cross_entropy(logits, labels)
    kl = F.kl_div(F.log_softmax(logits / t, 1), F.softmax(teacher / t, 1), reduction="batchmean")
    return alpha * ce + (1 - alpha) * t * t * kl


big = dict(warmup=1, min_runs=3, max_runs=30, budget_s=1.5) if QUICK else dict(warmup=3, min_runs=5, max_runs=60, budget_s=4.0)
g = torch.Generator().manual_seed(11)

if "a" in CASES:
    x = torch.randn(256, 784, generator=g)
    y = torch.randint(0, 10, (256,), generator=g)
    m = mlp([784, 512, 512, 10])
    ms, n = time_it(train_step(m, torch.optim.Adam(m.parameters(), 1e-3), lambda z: F.cross_entropy(z, y), x), **big)
    emit("a-mlp784-512-512-10-ce-train", ms, n, big["warmup"], batch=256)

if "g" in CASES:
    x = torch.rand(64, 784, generator=g)
    y = torch.randint(0, 10, (64,), generator=g)
    m = cnn()
    ms, n = time_it(train_step(m, torch.optim.Adam(m.parameters(), 1e-3), lambda z: F.cross_entropy(z, y), x), **big)
    emit("g-cnn32-64-128-train-b64", ms, n, big["warmup"], batch=64)

if "h" in CASES:
    rows, test_rows, batch = 55000, 10000, 256
    x = torch.rand(rows, 784, generator=g)
    y = torch.randint(0, 10, (rows,), generator=g)
    tl = torch.randn(rows, 10, generator=g) * 3
    xt = torch.rand(test_rows, 784, generator=g)
    m = mlp([784, 128, 10])
    opt = torch.optim.Adam(m.parameters(), 2e-3)

    def epoch():
        perm = torch.randperm(rows, generator=g)
        for s in range(0, rows, batch):
            idx = perm[s:s + batch]
            opt.zero_grad(set_to_none=True)
            kd_loss(m(x[idx]), tl[idx], y[idx]).backward()
            opt.step()
        with torch.no_grad():
            m(xt).argmax(1)

    ms, n = time_it(epoch, **(dict(warmup=0, min_runs=1, max_runs=1, budget_s=0) if QUICK else dict(warmup=1, min_runs=3, max_runs=3, budget_s=0)))
    emit("h-student-epoch-55000-cached-kd", ms, n, 0 if QUICK else 1, unit="epoch", samples=rows, batch=batch, batchesPerEpoch=-(-rows // batch))
