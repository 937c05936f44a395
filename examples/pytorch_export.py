#!/usr/bin/python3
"""Export a PyTorch model's layer features for `deepnrc measure`.

Trains two small PyTorch networks on a tiny synthetic regression task (an
MLP on 8 inputs, and a conv net on 3x8x8 images; both predict t = 2
targets), then, in one measuring pass over the training set, records the
*input* of every Linear and Conv2d layer (the probe the paper measures: the
first layer's probe is the network input itself). Conv inputs are globally
average-pooled to N x C, as the paper's code does. It saves, per model:

    <layer>.npy     the features, N x d (rows in the order of Y)
    <layer>_W.npy   the layer's weight in PyTorch's layout (out x in, or
                    c_out x c_in x kh x kw)
    Y.npy           the targets, N x t

and prints, on standard output, one `deepnrc measure` command per model with
one --layer flag per layer, in network order (everything else goes to
standard error). Run it with Debian's PyTorch:

    apt-get install -y python3-torch python3-numpy
    /usr/bin/python3 examples/pytorch_export.py --out /tmp/export
    # then run the printed commands

Things to keep in mind when adapting it to your own model:
  * register the hooks only for the measuring pass and remove them after
    it; hooks left in place also record every training step;
  * measure in eval mode under torch.no_grad(), over the data the network
    was trained on;
  * layer names are those of model.named_modules(): in an nn.Sequential
    they are "0", "2", ... (the positions), unless you name them with an
    OrderedDict, as the MLP below does;
  * move tensors to the CPU (.cpu()) before .numpy() when training on a GPU.
"""

import argparse
import collections
import os
import shlex
import sys

import numpy as np
import torch
from torch import nn


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def make_data(n, seed):
    """A tiny synthetic regression task with t = 2 nonlinear targets.

    The tabular inputs X (n x 8) and the images (n x 3 x 8 x 8) both carry
    the same two latent factors z, from which the targets are computed.
    """
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 2, generator=g)
    mix = torch.randn(2, 8, generator=g)
    x = torch.tanh(z @ mix) + 0.1 * torch.randn(n, 8, generator=g)
    y = torch.stack([torch.sin(z[:, 0]) + 0.5 * z[:, 1], z[:, 0] * z[:, 1]], dim=1)
    y = (y - y.mean(0)) / y.std(0)
    patterns = torch.randn(2, 3, 8, 8, generator=g)
    images = torch.einsum("nk,kchw->nchw", torch.tanh(z), patterns)
    images = images + 0.2 * torch.randn(n, 3, 8, 8, generator=g)
    return x, images, y


def mlp(d_in, width, t):
    # Named layers: fc1 ... fc4 instead of the positions "0", "2", ...
    return nn.Sequential(collections.OrderedDict([
        ("fc1", nn.Linear(d_in, width, bias=False)), ("relu1", nn.ReLU()),
        ("fc2", nn.Linear(width, width, bias=False)), ("relu2", nn.ReLU()),
        ("fc3", nn.Linear(width, width, bias=False)), ("relu3", nn.ReLU()),
        ("fc4", nn.Linear(width, t, bias=False)),
    ]))


def conv_net(t):
    # A plain nn.Sequential: its layers are named "0", "2", "4" and "7".
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, t),
    )


def train(model, inputs, y, steps, lr, seed):
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    model.train()
    for step in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(inputs), y)
        loss.backward()
        opt.step()
        if step % 100 == 0 or step == steps - 1:
            log(f"  step {step + 1}/{steps}: train MSE {loss.item():.4f}")


def probed_layers(model):
    """The (name, module) of every Linear and Conv2d, in network order."""
    return [(name, m) for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def export(model, inputs, y, out_dir, batch=128):
    """One measuring pass: hooks on every layer's input, saved as .npy.

    Returns the model's train MSE (mean over N*t entries) and the layer
    names in network order.
    """
    os.makedirs(out_dir, exist_ok=True)
    feats = {}

    def hook(name):
        def record(module, inp, out):
            h = inp[0].detach()
            if h.dim() == 4:  # conv input N x C x H x W: global average pool to N x C
                h = h.mean(dim=(2, 3))
            feats.setdefault(name, []).append(h.cpu())
        return record

    layers = probed_layers(model)
    handles = [m.register_forward_hook(hook(name)) for name, m in layers]
    model.eval()
    preds = []
    try:
        with torch.no_grad():
            for i in range(0, len(inputs), batch):
                preds.append(model(inputs[i:i + batch]).cpu())
    finally:
        for h in handles:  # training passes after this are not recorded
            h.remove()
    model_mse = float(((torch.cat(preds) - y.cpu()) ** 2).mean())

    for name, m in layers:
        np.save(os.path.join(out_dir, f"{name}.npy"), torch.cat(feats[name]).numpy().astype(np.float64))
        np.save(os.path.join(out_dir, f"{name}_W.npy"), m.weight.detach().cpu().numpy().astype(np.float64))
    np.save(os.path.join(out_dir, "Y.npy"), y.cpu().numpy().astype(np.float64))
    return model_mse, [name for name, _ in layers]


def measure_command(program, out_dir, names, model_mse):
    q = shlex.quote
    parts = [program, "measure", "--targets", q(os.path.join(out_dir, "Y.npy"))]
    for name in names:
        h = os.path.join(out_dir, f"{name}.npy")
        w = os.path.join(out_dir, f"{name}_W.npy")
        parts += ["--layer", q(f"{name}={h}:{w}")]
    parts += ["--model-mse", f"{model_mse:.6g}"]
    return " ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="pytorch-export", help="output directory (default: ./pytorch-export)")
    ap.add_argument("--n", type=int, default=512, help="training samples")
    ap.add_argument("--steps", type=int, default=400, help="full-batch Adam steps per model")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--program", default="deepnrc", help="how to call deepnrc in the printed commands (e.g. 'go run ./cmd/deepnrc')")
    args = ap.parse_args()
    if ":" in args.out or "=" in args.out:
        ap.error("--out must not contain ':' or '=' (they separate the parts of a --layer flag)")
    torch.set_num_threads(1)  # tiny networks: one thread is fastest, and fair to shared machines

    x, images, y = make_data(args.n, args.seed)
    out = os.path.abspath(args.out)
    commands = []
    for label, model, inputs, lr in [
        ("mlp", mlp(x.shape[1], 32, y.shape[1]), x, 1e-2),
        ("conv", conv_net(y.shape[1]), images, 1e-2),
    ]:
        log(f"training the {label} ({sum(p.numel() for p in model.parameters())} parameters) ...")
        torch.manual_seed(args.seed)
        for p in model.parameters():  # a fresh, seeded initialisation
            if p.dim() > 1:
                nn.init.kaiming_uniform_(p, a=5 ** 0.5)
            else:
                nn.init.zeros_(p)
        train(model, inputs, y, args.steps, lr, args.seed)
        d = os.path.join(out, label)
        model_mse, names = export(model, inputs, y, d)
        log(f"  saved {len(names)} layers ({', '.join(names)}) and Y to {d}; model train MSE {model_mse:.4g}")
        commands.append(measure_command(args.program, d, names, model_mse))
    log("measure them with:")
    for c in commands:
        print(c, flush=True)


if __name__ == "__main__":
    main()
