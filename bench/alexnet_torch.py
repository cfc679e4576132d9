"""AlexNet in PyTorch, built from the architecture description alexnet_vk writes.

The description is the JSON in a safetensors export's metadata ("arch"), produced by
model/graph/arch_json.cpp. `paper_arch()` and `small_arch()` give the same description without a file,
mirroring model/graph/arch.cpp. Parameter names ("conv1.weight", "fc6.bias", ...) and layouts
(conv: (out, in/groups, kh, kw); fc: (out, in)) match the export, so a state dict loads as is.

Conventions that differ from PyTorch's defaults (README, "Conventions that matter"):
  - conv1 at 224 pads (left 0, right pad_end, top 0, bottom pad_end): cuda-convnet's output rule;
  - LRN is the paper's formula, alpha NOT divided by size; nn.LocalResponseNorm divides, so it is
    given alpha * size (its zero padding at the channel edges then gives the paper's clipped sums);
  - dropout is inverted dropout (nn.Dropout's behaviour too), on after fc6 and fc7 when training
    (or where each fully connected layer's "dropout" / "input_dropout" says);
  - "avgpool": N (the torchvision layout) adds an adaptive average pool to NxN before fc6.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

LRN_PAPER = {"size": 5, "k": 2.0, "alpha": 1e-4, "beta": 0.75, "alpha_divided_by_size": False}


def _arch(name, classes, in_channels, in_size, convs, fcs):
    return {
        "name": name, "classes": classes, "in_channels": in_channels, "in_size": in_size,
        "activation": "relu", "lrn": True, "pool": "overlap", "pool_kernel": 3, "pool_stride": 2,
        "dropout": 0.5, "lrn_params": dict(LRN_PAPER),
        "convs": [dict(zip(("name", "out", "kernel", "stride", "pad", "pad_end", "groups", "lrn", "pool"), c))
                  for c in convs],
        "fcs": [{"name": n, "out": o if o else classes, "hidden": h} for n, o, h in fcs],
    }


def paper_arch(classes=1000, in_channels=3, in_size=224):
    """The paper's AlexNet, as model/graph/arch.cpp's paper_alexnet()."""
    return _arch("alexnet", classes, in_channels, in_size,
                 [("conv1", 96, 11, 4, 0, 3, 1, True, True),
                  ("conv2", 256, 5, 1, 2, 2, 2, True, True),
                  ("conv3", 384, 3, 1, 1, 1, 1, False, False),
                  ("conv4", 384, 3, 1, 1, 1, 2, False, False),
                  ("conv5", 256, 3, 1, 1, 1, 2, False, True)],
                 [("fc6", 4096, True), ("fc7", 4096, True), ("fc8", 0, False)])


def small_arch(classes=10, in_channels=3, in_size=28):
    """alexnet-small, as model/graph/arch.cpp's small_alexnet()."""
    return _arch("alexnet-small", classes, in_channels, in_size,
                 [("conv1", 32, 5, 1, 2, 2, 1, True, True),
                  ("conv2", 64, 5, 1, 2, 2, 2, True, True),
                  ("conv3", 96, 3, 1, 1, 1, 1, False, False),
                  ("conv4", 96, 3, 1, 1, 1, 2, False, False),
                  ("conv5", 64, 3, 1, 1, 1, 2, False, True)],
                 [("fc6", 512, True), ("fc7", 512, True), ("fc8", 0, False)])


def make_arch(name, classes, in_channels=3, in_size=None):
    if name == "alexnet":
        return paper_arch(classes, in_channels, in_size or 224)
    if name == "alexnet-small":
        return small_arch(classes, in_channels, in_size or 28)
    raise ValueError(f"unknown architecture {name!r} (alexnet or alexnet-small)")


def torch_lrn(params):
    """nn.LocalResponseNorm computing the formula `params` describes."""
    alpha = params["alpha"]
    if not params.get("alpha_divided_by_size", False):
        alpha = alpha * params["size"]  # PyTorch divides by size; undo it
    return nn.LocalResponseNorm(params["size"], alpha=alpha, beta=params["beta"], k=params["k"])


class ConvBlock(nn.Module):
    """conv -> activation -> [LRN] -> [max pool]; parameters under the conv's own name."""

    def __init__(self, c, in_channels, arch):
        super().__init__()
        self.pad = (c["pad"], c["pad_end"], c["pad"], c["pad_end"])  # left, right, top, bottom
        self.conv = nn.Conv2d(in_channels, c["out"], c["kernel"], stride=c["stride"], groups=c["groups"])
        self.act = nn.ReLU() if arch["activation"] == "relu" else nn.Tanh()
        self.lrn = torch_lrn(arch["lrn_params"]) if c["lrn"] else None
        self.pool = nn.MaxPool2d(arch["pool_kernel"], arch["pool_stride"]) if c["pool"] else None

    def forward(self, x):
        x = self.act(self.conv(F.pad(x, self.pad)))
        if self.lrn is not None:
            x = self.lrn(x)
        if self.pool is not None:
            x = self.pool(x)
        return x


class AlexNet(nn.Module):
    def __init__(self, arch):
        super().__init__()
        self.arch = arch
        blocks, channels, size = [], arch["in_channels"], arch["in_size"]
        for c in arch["convs"]:
            blocks.append((c["name"], ConvBlock(c, channels, arch)))
            channels = c["out"]
            size = (size + c["pad"] + c["pad_end"] - c["kernel"]) // c["stride"] + 1
            if c["pool"]:
                size = (size - arch["pool_kernel"]) // arch["pool_stride"] + 1
        self.blocks = nn.ModuleList(b for _, b in blocks)
        self.block_names = [n for n, _ in blocks]
        # "avgpool": N (torchvision's layout): an adaptive average pool to NxN after the convolutions.
        self.avgpool = nn.AdaptiveAvgPool2d(arch["avgpool"]) if arch.get("avgpool", 0) > 0 else None
        if self.avgpool is not None:
            size = arch["avgpool"]
        features = channels * size * size
        self.fcs = nn.ModuleList()
        self.fc_names, self.fc_hidden, self.fc_dropout, self.fc_input_dropout = [], [], [], []
        for f in arch["fcs"]:
            self.fcs.append(nn.Linear(features, f["out"]))
            self.fc_names.append(f["name"])
            self.fc_hidden.append(f["hidden"])
            # Dropout after a hidden layer's activation unless the layer says otherwise (the
            # paper's); "input_dropout": dropout on the layer's input too (torchvision's fc6).
            self.fc_dropout.append(f.get("dropout", f["hidden"]))
            self.fc_input_dropout.append(f.get("input_dropout", False))
            features = f["out"]
        self.act = nn.ReLU() if arch["activation"] == "relu" else nn.Tanh()
        self.dropout = nn.Dropout(arch["dropout"]) if arch["dropout"] > 0 else nn.Identity()

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        if self.avgpool is not None:
            x = self.avgpool(x)
        x = torch.flatten(x, 1)
        for fc, hidden, dropout, input_dropout in zip(self.fcs, self.fc_hidden, self.fc_dropout, self.fc_input_dropout):
            if input_dropout:
                x = self.dropout(x)
            x = fc(x)
            if hidden:
                x = self.act(x)
                if dropout:
                    x = self.dropout(x)
        return x  # logits

    def named_tensors(self):
        """{"conv1.weight": parameter, ...}: the export's names for this module's parameters."""
        out = {}
        for name, b in zip(self.block_names, self.blocks):
            out[name + ".weight"], out[name + ".bias"] = b.conv.weight, b.conv.bias
        for name, fc in zip(self.fc_names, self.fcs):
            out[name + ".weight"], out[name + ".bias"] = fc.weight, fc.bias
        return out

    def load_tensors(self, tensors):
        """Copies {"conv1.weight": tensor, ...} in; every parameter must be present with its shape."""
        with torch.no_grad():
            for name, p in self.named_tensors().items():
                if name not in tensors:
                    raise KeyError(f"tensor {name} missing from the weights")
                t = torch.as_tensor(tensors[name])
                if tuple(t.shape) != tuple(p.shape):
                    raise ValueError(f"tensor {name} has shape {tuple(t.shape)}, the network needs {tuple(p.shape)}")
                p.copy_(t)

    def paper_init(self, generator=None, bias_one=("conv2", "conv4", "conv5", "fc6", "fc7"), std=0.01):
        """The paper's init: weights N(0, 0.01); bias 1 on conv2/4/5 and fc6/7, else 0."""
        with torch.no_grad():
            for name, p in self.named_tensors().items():
                layer, kind = name.split(".")
                if kind == "weight":
                    p.normal_(0.0, std, generator=generator)
                else:
                    p.fill_(1.0 if layer in bias_one else 0.0)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def sgd_paper(model, lr, momentum=0.9, weight_decay=5e-4):
    """SGD as alexnet_vk's shader does it: v = m v - wd lr w - lr g; w += v, decay on weights only.

    torch.optim.SGD computes v = m v + (g + wd w); w -= lr v, which equals ours while lr is
    constant (v_torch = -v_ours / lr)."""
    decay = [p for n, p in model.named_parameters() if n.endswith("weight")]
    no_decay = [p for n, p in model.named_parameters() if not n.endswith("weight")]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum)

