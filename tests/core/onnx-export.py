#!/usr/bin/python3
# onnx-export.py — ONNX graphs of the three architectures, as torch.onnx.export writes them
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: onnx-export.py DIR [NAME...]
#
# With NAMEs, only those cases are written (and listed in DIR/cases.txt).
#
# Writes, for each case, DIR/NAME.onnx, DIR/NAME.input (two float32 NCHW images) and
# DIR/NAME.logits (the torch model's float32 logits for them), and one line per case to
# DIR/cases.txt: "NAME ARCH SIZE CLASSES". The models have random weights with biases and
# batch-norm affine parameters drawn as the engine's PyTorch tests draw them and running
# statistics calibrated on random inputs, so that a wrongly mapped tensor changes the logits.
# The cases sweep opsets 9-17, batch norms folded into the convolutions (torch's evaluation
# export) or kept as BatchNormalization nodes, Gemm or MatMul+Add heads and one or two outputs
# (logits, then their softmax). A MATLAB-style case rewrites one export with python3-onnx as
# exportONNXNetwork writes graphs: batch norms separate, the Gemm's weight stored transposed
# (transB 0), other node and value names, and the softmax as the only output. The NORM_CASES
# carry their input normalisation as nodes at the graph's input or as metadata_props.
# DIR/refuse-resnet18.onnx is another architecture.
import io
import os
import sys

import torch
import torchvision

CASES = [
    # name, arch, opset, batch norm kept, head, outputs, input size, classes
    ("squeezenet-op9", "squeezenet1_1", 9, False, "gemm", 1, 64, 2),
    ("squeezenet-op17-softmax", "squeezenet1_1", 17, False, "gemm", 2, 72, 3),
    ("mobilenet-op11-folded", "mobilenet_v2", 11, False, "gemm", 1, 64, 2),
    ("mobilenet-op13-bn", "mobilenet_v2", 13, True, "gemm", 1, 64, 2),
    ("mobilenet-op17-matmul", "mobilenet_v2", 17, False, "matmul", 2, 96, 2),
    ("efficientnet-op9-bn", "efficientnet_b0", 9, True, "gemm", 1, 64, 2),
    ("efficientnet-op14-folded", "efficientnet_b0", 14, False, "gemm", 1, 64, 2),
    ("efficientnet-op16-matmul-bn", "efficientnet_b0", 16, True, "matmul", 2, 64, 2),
    ("matlab-style-mobilenet", "mobilenet_v2", 11, True, "gemm", 1, 64, 2),
    ("matlab-style-efficientnet", "efficientnet_b0", 13, True, "gemm", 1, 64, 2),
]

# Graphs that carry their input normalisation, given gray pixels (NAME.gray: two uint8 images)
# instead of network inputs: name, arch, opset, how, range of the graph's input, mean, std.
# "subdiv" and "muladd" put the nodes in the graph as torch exports a model that normalises its
# input; "matlab" does so on pixels 0-255 and rewrites the graph as MATLAB writes it; "meta"
# states mean and std in the model's metadata_props and leaves the graph as it was.
NORM_CASES = [
    ("norm-subdiv-mobilenet", "mobilenet_v2", 13, "subdiv", 1.0, (0.3, 0.4, 0.5), (0.2, 0.25, 0.3)),
    ("norm-muladd-squeezenet", "squeezenet1_1", 11, "muladd", 1.0, (0.5, 0.45, 0.4),
     (0.3, 0.2, 0.25)),
    ("norm-matlab-squeezenet", "squeezenet1_1", 11, "matlab", 255.0, (110.0, 120.0, 130.0),
     (50.0, 60.0, 70.0)),
    ("norm-meta-squeezenet", "squeezenet1_1", 9, "meta", 1.0, (0.2, 0.3, 0.4), (0.3, 0.35, 0.4)),
]


def matlab_style(path):
    """Rewrites the export at @path as MATLAB's exporter writes such a graph."""
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(path)
    graph = model.graph
    names = {}

    def rename(value):
        if value and value not in names:
            names[value] = "t%d_%s" % (len(names), "Out" if value != "image" else "In")
        return names.get(value, value)

    inits = {t.name: t for t in graph.initializer}
    for i, node in enumerate(graph.node):
        node.name = "layer_%d" % i
        if node.op_type == "Gemm":
            weight = inits[node.input[1]]
            transposed = numpy_helper.from_array(
                numpy_helper.to_array(weight).T.copy(), weight.name)
            weight.CopyFrom(transposed)
            for attribute in node.attribute:
                if attribute.name == "transB":
                    attribute.i = 0
        for k, value in enumerate(node.input):
            if value not in inits:
                node.input[k] = rename(value)
        for k, value in enumerate(node.output):
            node.output[k] = rename(value)
    logits = rename(graph.output[0].name)
    graph.node.append(helper.make_node("Softmax", [logits], ["prob"], name="softmax", axis=1))
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("prob", onnx.TensorProto.FLOAT, ["N", 2]))
    graph.input[0].name = rename(graph.input[0].name)
    onnx.checker.check_model(model)
    onnx.save(model, path)


class MatMulHead(torch.nn.Module):
    """A linear layer written as x @ W^T + b, which torch exports as MatMul then Add."""

    def __init__(self, linear):
        super().__init__()
        self.weight_t = torch.nn.Parameter(linear.weight.detach().t().contiguous())
        self.bias = torch.nn.Parameter(linear.bias.detach().clone())

    def forward(self, x):
        return torch.matmul(x, self.weight_t) + self.bias


class WithSoftmax(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        logits = self.model(x)
        return logits, torch.softmax(logits, dim=1)


class Normalised(torch.nn.Module):
    """A model that normalises its input itself: (x - mean) / std, or x * (1 / std) + shift."""

    def __init__(self, model, mean, std, how):
        super().__init__()
        self.model = model
        self.how = how
        mean = torch.tensor(mean).reshape(1, 3, 1, 1)
        std = torch.tensor(std).reshape(1, 3, 1, 1)
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)
        self.register_buffer("scale", 1.0 / std)
        self.register_buffer("shift", -mean / std)

    def forward(self, x):
        if self.how == "muladd":
            return self.model(x * self.scale + self.shift)
        return self.model((x - self.mean) / self.std)


def export_norm_case(out, seed, name, arch, opset, how, pixel_range, mean, std):
    """Writes a graph that carries its normalisation, and torch's logits for gray pixels."""
    import onnx
    from onnx import helper

    size, path = 64, os.path.join(out, name + ".onnx")
    model = make_model(arch, 100 + seed, size, 2)
    wrapped = model if how == "meta" else Normalised(model, mean, std, how).eval()
    export(wrapped, path, opset, how == "matlab", size, 1)
    if how == "matlab":
        matlab_style(path)
    elif how == "meta":
        graph = onnx.load(path)
        helper.set_model_props(graph, {"mean": "[%r, %r, %r]" % mean, "std": "%r,%r,%r" % std})
        onnx.save(graph, path)
    generator = torch.Generator().manual_seed(seed)
    gray = torch.randint(0, 256, (2, 1, size, size), generator=generator, dtype=torch.uint8)
    x = (gray.float() / 255.0).expand(2, 3, size, size)
    with torch.no_grad():
        if how == "meta":
            logits = model((x - torch.tensor(mean).reshape(1, 3, 1, 1))
                           / torch.tensor(std).reshape(1, 3, 1, 1))
        else:
            logits = wrapped(gray.float().expand(2, 3, size, size) if pixel_range > 1 else x)
    gray.numpy().tofile(os.path.join(out, name + ".gray"))
    logits.numpy().astype("<f4").tofile(os.path.join(out, name + ".logits"))
    return f"{name} {arch} {size} 2 gray\n"


def make_model(arch, seed, size, classes):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None, num_classes=classes)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) and m.bias is not None:
                m.bias.normal_(0.0, 0.1)
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0.0, 0.2)
                m.momentum = None
        if arch == "squeezenet1_1":
            model.classifier[1].weight.normal_(0.0, 0.05)
        model.train()
        model(torch.randn(6, 3, size, size))
    model.eval()
    return model


def export(model, path, opset, keep_bn, size, outputs):
    names = ["logits", "probabilities"][:outputs]
    buffer = io.BytesIO()
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, torch.zeros(1, 3, size, size), buffer, opset_version=opset,
                      training=mode, do_constant_folding=not keep_bn, input_names=["image"],
                      output_names=names, dynamic_axes={"image": {0: "batch"}})
    with open(path, "wb") as f:
        f.write(buffer.getvalue())


def main():
    out, only = sys.argv[1], set(sys.argv[2:])
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(1)
    lines = []
    for seed, (name, arch, opset, keep_bn, head, outputs, size, classes) in enumerate(CASES):
        if only and name not in only:
            continue
        model = make_model(arch, 100 + seed, size, classes)
        if head == "matmul":
            model.classifier[-1] = MatMulHead(model.classifier[-1])
        # The export puts the module back in the mode it found it in: evaluation, so that the
        # reference logits below run no dropout.
        wrapped = (WithSoftmax(model) if outputs == 2 else model).eval()
        export(wrapped, os.path.join(out, name + ".onnx"), opset, keep_bn, size, outputs)
        if name.startswith("matlab-style"):
            matlab_style(os.path.join(out, name + ".onnx"))
        torch.manual_seed(seed)
        images = torch.randn(2, 3, size, size)
        with torch.no_grad():
            logits = model(images)
        images.numpy().astype("<f4").tofile(os.path.join(out, name + ".input"))
        logits.numpy().astype("<f4").tofile(os.path.join(out, name + ".logits"))
        lines.append(f"{name} {arch} {size} {classes}\n")
    for seed, case in enumerate(NORM_CASES):
        if not only or case[0] in only:
            lines.append(export_norm_case(out, 50 + seed, *case))
    if not only:
        resnet = torchvision.models.resnet18(weights=None, num_classes=2).eval()
        export(resnet, os.path.join(out, "refuse-resnet18.onnx"), 13, False, 64, 1)
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.writelines(lines)


if __name__ == "__main__":
    main()
