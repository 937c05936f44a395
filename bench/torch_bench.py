#!/usr/bin/python3
"""PyTorch side of `deepnrc bench train`.

A line-oriented server so that the Go side can interleave its own timings
with these (both then see the same machine load). On start it writes one
JSON line describing the installation:
  {"torch_version": str, "num_threads": int, "blas": str,
   "blas_libraries": [paths], "config": str}
and "openblas": {"openblas_core", "openblas_threads", "openblas_config",
"library"} (the kernel OpenBLAS chose, openblas_get_corename) (or
{"error": str} and exit status 3 when torch cannot be imported). Then,
for every JSON request line on stdin
  {"name": str, "kind": "mlp", "layers": [[in, out], ...], "batch": int,
   "steps": int, "warmup": int, "lr": float, "momentum": float,
   "weight_decay": float, "seed": int, "threads": int (optional: sets
   torch's intra-op threads; absent or 0 keeps the default)}
or, for a ResNet of BasicBlocks (CIFAR stem, NHWC input shape "image"),
  {..., "kind": "resnet", "blocks": [...], "widths": [...],
   "stem_width": int, "targets": int, "image": [H, W, C]}
it trains the model with SGD (momentum, coupled weight decay) on MSE on
one fixed random batch and answers one line
  {"name": str, "steps_per_s": float, "seconds": float, "cpu_seconds": float,
   "loss": float}
(cpu_seconds: user + system time of the whole process, all threads).
The model of a name is built (and warmed up with "warmup" steps) on its
first request only; later requests continue training it.

A request with "check": true instead trains a fresh bias-free MLP from given
weights ("weights": one out×in matrix per layer, nested lists) on given
batches ("x": [[[...]]] and "y", one B×d and B×t matrix per step) with the
learning rate "lrs"[i] at step i, in float32, and answers
  {"name": str, "losses": [loss before each step], "weights": [final weights]}
so that the Go side can compare its optimiser with PyTorch's step by step.
"""
import json
import re
import sys
import time

try:
    import torch
except ImportError as e:
    print(json.dumps({"error": "cannot import torch: %s" % e}), flush=True)
    sys.exit(3)


def blas_of(config):
    m = re.search(r"BLAS_INFO=([^,\s]+)", config)
    return m.group(1) if m else "unknown"


def loaded_blas():
    """Shared libraries mapped into this process whose name mentions BLAS."""
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if "blas" in path.lower() or "mkl" in path.lower():
                    libs.add(path)
    except OSError:
        pass
    return sorted(libs)


def openblas_info():
    """Core, threads and config of the OpenBLAS mapped into this process."""
    import ctypes
    for path in loaded_blas():
        if "openblas" not in path.lower():
            continue
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return {"openblas_core": lib.openblas_get_corename().decode(),
                    "openblas_threads": int(lib.openblas_get_num_threads()),
                    "openblas_config": lib.openblas_get_config().decode().strip(),
                    "library": path}
        except (OSError, AttributeError):
            continue
    return {"openblas_core": "", "openblas_threads": 0, "openblas_config": "", "library": ""}


def mlp(layers):
    mods = []
    for i, (fin, fout) in enumerate(layers):
        mods.append(torch.nn.Linear(fin, fout, bias=False))
        if i < len(layers) - 1:
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


class Block(torch.nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(cout)
        self.conv2 = torch.nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = torch.nn.Sequential(torch.nn.Conv2d(cin, cout, 1, stride, 0, bias=False),
                                            torch.nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + (x if self.down is None else self.down(x)))


class ResNet(torch.nn.Module):
    def __init__(self, c):
        super().__init__()
        cin = c["image"][2]
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(cin, c["stem_width"], 3, 1, 1, bias=False),
                                        torch.nn.BatchNorm2d(c["stem_width"]), torch.nn.ReLU())
        blocks, cin = [], c["stem_width"]
        for s, (n, w) in enumerate(zip(c["blocks"], c["widths"])):
            for b in range(n):
                blocks.append(Block(cin, w, 2 if (b == 0 and s > 0) else 1))
                cin = w
        self.blocks = torch.nn.Sequential(*blocks)
        self.fc = torch.nn.Linear(cin, c["targets"])

    def forward(self, x):
        h = self.blocks(self.stem(x))
        return self.fc(h.mean(dim=(2, 3)))


class Case:
    def __init__(self, c):
        torch.manual_seed(c.get("seed", 1))
        if c.get("kind", "mlp") == "resnet":
            self.model = ResNet(c)
            h, w, ch = c["image"]
            self.x = torch.randn(c["batch"], ch, h, w)
            self.y = torch.randn(c["batch"], c["targets"])
        else:
            self.model = mlp(c["layers"])
            self.x = torch.randn(c["batch"], c["layers"][0][0])
            self.y = torch.randn(c["batch"], c["layers"][-1][1])
        self.model.train()
        self.opt = torch.optim.SGD(self.model.parameters(), lr=c["lr"], momentum=c["momentum"],
                                   weight_decay=c["weight_decay"])
        self.loss_fn = torch.nn.MSELoss()
        for _ in range(c.get("warmup", 0)):
            self.step()

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss


def check(c):
    layers = [(len(w[0]), len(w)) for w in c["weights"]]
    model = mlp(layers)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for lin, w in zip(linears, c["weights"]):
            lin.weight.copy_(torch.tensor(w, dtype=torch.float32))
    opt = torch.optim.SGD(model.parameters(), lr=c["lrs"][0], momentum=c["momentum"],
                          weight_decay=c["weight_decay"])
    losses = []
    for x, y, lr in zip(c["x"], c["y"], c["lrs"]):
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(torch.tensor(x, dtype=torch.float32)),
                                            torch.tensor(y, dtype=torch.float32))
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    return {"name": c["name"], "losses": losses,
            "weights": [lin.weight.detach().tolist() for lin in linears]}


def main():
    config = torch.__config__.show()
    torch.zeros(4, 4) @ torch.zeros(4, 4)  # load the BLAS before listing it
    print(json.dumps({"torch_version": torch.__version__, "num_threads": torch.get_num_threads(),
                      "blas": blas_of(config), "blas_libraries": loaded_blas(), "config": config,
                      "openblas": openblas_info()}),
          flush=True)
    cases = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        if c.get("check"):
            print(json.dumps(check(c)), flush=True)
            continue
        if c.get("threads", 0) > 0:
            torch.set_num_threads(c["threads"])
        if c["name"] not in cases:
            cases[c["name"]] = Case(c)
        case = cases[c["name"]]
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(c["steps"]):
            loss = case.step()
        dt, dc = time.perf_counter() - t0, time.process_time() - c0
        print(json.dumps({"name": c["name"], "steps_per_s": c["steps"] / dt, "seconds": dt,
                          "cpu_seconds": dc, "loss": float(loss.item())}), flush=True)


if __name__ == "__main__":
    main()
