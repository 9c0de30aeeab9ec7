# train.py — training under torch.distributed, with checkpoints, to a Carpalscope model
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""One process per GPU (NCCL) or several on CPUs (gloo), started by torchrun; alone without it.
Each process reads its share of every epoch's shuffled crops (DistributedSampler), augments them
on its device and DistributedDataParallel averages the gradients. The global batch is --batch,
split evenly. Rank 0 writes the checkpoint after every epoch (atomically: an interrupted run
leaves the last one) and the model at the end. Every random draw is seeded from --seed, the epoch
and the rank, so --resume continues exactly as the run would have gone on."""
import argparse
import datetime
import json
import os
import platform
import sys

import torch
import torch.distributed as dist
import torchvision

from . import __version__, augment, data, safetensors

ARCHS = ("squeezenet1_1", "mobilenet_v2", "efficientnet_b0")
CLASSES = ["control", "cts"]


def build_model(arch):
    """torchvision's model for @arch with Carpalscope's two classes, random weights."""
    if arch not in ARCHS:
        raise data.CropError("unknown architecture '%s' (%s)" % (arch, ", ".join(ARCHS)))
    return getattr(torchvision.models, arch)(weights=None, num_classes=len(CLASSES))


class Run:
    """Who this process is in the job, and its device."""

    def __init__(self, backend):
        self.distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ
        cuda = torch.cuda.is_available()
        self.backend = backend or ("nccl" if cuda else "gloo")
        if self.distributed:
            dist.init_process_group(self.backend)
            self.rank, self.world = dist.get_rank(), dist.get_world_size()
            local = int(os.environ.get("LOCAL_RANK", "0"))
        else:
            self.rank, self.world, local = 0, 1, 0
        if self.backend == "nccl" or (not self.distributed and cuda):
            torch.cuda.set_device(local)
            self.device = torch.device("cuda", local)
        else:
            self.device = torch.device("cpu")

    def barrier(self):
        if self.distributed:
            dist.barrier()

    def sum(self, values):
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.distributed:
            dist.all_reduce(tensor)
        return tensor.tolist()

    def close(self):
        if self.distributed:
            dist.destroy_process_group()


def seed_everything(args, epoch, rank):
    """Seeds dropout (the global generator) and returns the augmentation's generator for this
    epoch and process."""
    torch.manual_seed(args.seed * 1000003 + epoch * 1009 + rank)
    return torch.Generator().manual_seed(args.seed * 7919 + epoch * 131 + rank)


def save_checkpoint(path, model, optimizer, scheduler, epoch, history, args):
    state = {"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "scheduler": scheduler.state_dict(), "history": history,
             "arch": args.arch, "seed": args.seed, "batch": args.batch, "epochs": args.epochs}
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)


def evaluate(run, model, loader):
    """Loss and accuracy over @loader's share in every process, summed across them."""
    model.eval()
    loss = correct = count = 0.0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(run.device), labels.to(run.device)
            logits = model(augment.preprocess(images))
            loss += torch.nn.functional.cross_entropy(logits, labels, reduction="sum").item()
            correct += (logits.argmax(1) == labels).sum().item()
            count += len(labels)
    loss, correct, count = run.sum([loss, correct, count])
    return (loss / count, correct / count) if count else (float("nan"), float("nan"))


def model_metadata(args, train_set, history, run, size):
    """What Carpalscope reads (arch, classes, input size, normalisation, trained_on) and how the
    weights came to be."""
    info = train_set.info
    trained_on = "%s: %d crops of %d hands (%s), cut by carpalscope-cli export-crops" % (
        info.get("trained_on", "crops of %s" % os.path.abspath(args.crops)), len(train_set),
        train_set.hands, "split " + ",".join(args.train_split))
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "format": "pt",
        "arch": args.arch,
        "classes": json.dumps(CLASSES),
        "input_size": str(size),
        "mean": json.dumps(list(augment.IMAGENET_MEAN)),
        "std": json.dumps(list(augment.IMAGENET_STD)),
        "trained_on": trained_on,
        "provenance": "trained with carpalscope_torch %s (PyTorch %s, torchvision %s) in %d %s "
                      "process%s" % (__version__, torch.__version__, torchvision.__version__,
                                     run.world, run.backend, "" if run.world == 1 else "es"),
        "study": info.get("study", ""),
        "study_name": info.get("study_name", ""),
        "study_sha256": info.get("study_sha256", ""),
        "crops": os.path.abspath(args.crops),
        "command": " ".join([os.path.basename(sys.executable), "-m", "carpalscope_torch"]
                            + sys.argv[1:]),
        "seed": str(args.seed),
        "epochs": str(args.epochs),
        "date": date,
        "carpalscope_version": info.get("carpalscope_version", ""),
        "init": "from scratch (random, seeded)",
        "train_images": str(len(train_set)),
        "train_hands": str(train_set.hands),
        "optimizer": "sgdm lr %g batch %d weight decay %g schedule cosine" % (
            args.lr, args.batch, args.weight_decay),
        "augmentation": augment.DESCRIPTION[args.augment],
        "history": json.dumps(history),
        "host": platform.node(),
    }


def train(args):
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    train_set = data.Crops(args.crops, args.train_split)
    val_set = data.Crops(args.crops, args.val_split) if args.val_split else None
    if len(train_set) == 0:
        raise data.CropError("%s: no crop of the split %s (the CSV's splits are set in the study; "
                             "--train-split all,unassigned takes every hand)"
                             % (args.crops, ",".join(args.train_split)))
    run = Run(args.backend)
    if args.batch % run.world:
        raise data.CropError("--batch %d does not split evenly over %d processes"
                             % (args.batch, run.world))
    torch.manual_seed(args.seed)
    model = build_model(args.arch).to(run.device)
    if run.distributed and run.device.type == "cuda" and args.sync_bn:
        model = torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                                weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    start, history = 0, []
    if args.resume and os.path.exists(args.checkpoint):
        state = torch.load(args.checkpoint, map_location=run.device)
        if state["arch"] != args.arch:
            raise data.CropError("%s holds %s, not %s" % (args.checkpoint, state["arch"], args.arch))
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start, history = state["epoch"], state["history"]
        if run.rank == 0:
            print("resumed from %s after epoch %d" % (args.checkpoint, start), flush=True)
    wrapped = model
    if run.distributed:
        wrapped = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[run.device.index] if run.device.type == "cuda" else None)
    sampler = torch.utils.data.distributed.DistributedSampler(
        train_set, num_replicas=run.world, rank=run.rank, shuffle=True, seed=args.seed)
    loader = torch.utils.data.DataLoader(train_set, batch_size=args.batch // run.world,
                                         sampler=sampler, num_workers=args.workers,
                                         pin_memory=run.device.type == "cuda")
    val_loader = None
    if val_set is not None and len(val_set) > 0:
        val_loader = torch.utils.data.DataLoader(
            val_set, batch_size=args.batch // run.world, num_workers=args.workers,
            sampler=torch.utils.data.distributed.DistributedSampler(
                val_set, num_replicas=run.world, rank=run.rank, shuffle=False))
    stop = args.epochs if args.stop_after is None else min(args.epochs, args.stop_after)
    for epoch in range(start, stop):
        generator = seed_everything(args, epoch, run.rank)
        sampler.set_epoch(epoch)
        wrapped.train()
        loss_sum = count = 0.0
        for images, labels in loader:
            images = augment.augment(images, args.augment, generator)
            images, labels = images.to(run.device), labels.to(run.device)
            loss = torch.nn.functional.cross_entropy(wrapped(augment.preprocess(images)), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(labels)
            count += len(labels)
        scheduler.step()
        loss_sum, count = run.sum([loss_sum, count])
        entry = {"epoch": epoch + 1, "train_loss": loss_sum / count}
        if val_loader is not None:
            entry["val_loss"], entry["val_accuracy"] = evaluate(run, model, val_loader)
        history.append(entry)
        if run.rank == 0:
            print(json.dumps(entry), flush=True)
            if args.checkpoint:
                save_checkpoint(args.checkpoint, model, optimizer, scheduler, epoch + 1, history,
                                args)
        run.barrier()
    if run.rank == 0 and args.out and stop == args.epochs:
        tensors = {k: v for k, v in model.state_dict().items()}
        safetensors.save(args.out, tensors,
                         model_metadata(args, train_set, history, run, train_set.size))
        print("wrote %s" % args.out, flush=True)
    elif run.rank == 0 and stop < args.epochs:
        print("stopped after epoch %d of %d; --resume carries on from %s"
              % (stop, args.epochs, args.checkpoint or "(no --checkpoint given)"), flush=True)
    run.barrier()
    run.close()


def add_arguments(parser):
    parser.add_argument("--crops", required=True, metavar="DIR",
                        help="the folder carpalscope-cli export-crops wrote")
    parser.add_argument("--arch", default="squeezenet1_1", choices=ARCHS)
    parser.add_argument("--out", metavar="FILE.safetensors",
                        help="the model to write once the last epoch is done")
    parser.add_argument("--checkpoint", metavar="FILE.pt", default="",
                        help="rewritten after every epoch")
    parser.add_argument("--resume", action="store_true",
                        help="continue from --checkpoint when it exists")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--stop-after", type=int, metavar="N",
                        help="stop after epoch N (the schedule still spans --epochs)")
    parser.add_argument("--batch", type=int, default=16, help="the global batch (default 16)")
    parser.add_argument("--lr", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--augment", choices=sorted(augment.DESCRIPTION), default="paper")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--train-split", default="train", type=lambda t: t.split(","),
                        help="the splits to train on, comma-separated (default train)")
    parser.add_argument("--val-split", default="validation", type=lambda t: t.split(",") if t else [],
                        help="the splits to report validation on (default validation; '' none)")
    parser.add_argument("--backend", choices=("nccl", "gloo"),
                        help="default: nccl with GPUs, else gloo")
    parser.add_argument("--workers", type=int, default=2, help="data loader processes per rank")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads per process")
    parser.add_argument("--sync-bn", action=argparse.BooleanOptionalAction, default=True,
                        help="synchronise batch norm statistics across GPUs (default on)")
