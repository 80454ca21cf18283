#!/usr/bin/env bash
# Multi-process training with torch's launcher (CUDA: nccl; CPU only: gloo, set up by train.py).
USAGE="usage: tools/dist_train.sh CONFIG NPROC [train.py options]

  Trains CONFIG on NPROC processes per node, e.g. tools/dist_train.sh cfg.py 2 --resume
  Environment: NNODES, NODE_RANK, MASTER_ADDR (several nodes), PORT (default 29500),
  PYTHON (default: the checkout's .venv, else python3)."
if [ $# -lt 2 ] || ! [[ "$2" =~ ^[0-9]+$ ]]; then echo "$USAGE" >&2; exit 2; fi
NPROC=$2 SCRIPT=train.py exec bash "$(dirname "$0")/dist_launch.sh" "$1" "${@:3}"
