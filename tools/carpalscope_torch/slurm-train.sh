#!/bin/bash
# slurm-train.sh — the PyTorch trainer on a GPU cluster: one torchrun per node, one process per GPU
# Copyright 2026 The Carpalscope developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: sbatch --nodes=4 --gpus-per-node=8 tools/carpalscope_torch/slurm-train.sh \
#          --crops /shared/crops --arch efficientnet_b0 --epochs 30 --batch 256 \
#          --checkpoint /shared/run1.pt --resume --out /shared/efficientnet_b0-run1.safetensors
#
# Every argument goes to `python3 -m carpalscope_torch train`. The crops folder, the checkpoint
# and the output must be on storage every node sees. With --resume a job that was stopped or
# preempted carries on from its last epoch when submitted again (or with --requeue).
#SBATCH --job-name=carpalscope-train
#SBATCH --ntasks-per-node=1
#SBATCH --cpus-per-task=16
#SBATCH --time=24:00:00
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Under sbatch the script runs from Slurm's spool: take the tools folder from the submit folder.
[[ -d "$here/carpalscope_torch" ]] || here="$SLURM_SUBMIT_DIR/tools"
export PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}"
head_node=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
gpus=${SLURM_GPUS_ON_NODE:-$(nvidia-smi -L | wc -l)}

srun python3 -m carpalscope_torch.run \
  --nnodes="$SLURM_JOB_NUM_NODES" --nproc_per_node="$gpus" \
  --rdzv_id="$SLURM_JOB_ID" --rdzv_backend=c10d --rdzv_endpoint="$head_node:29500" \
  -m carpalscope_torch train --workers 4 "$@"
