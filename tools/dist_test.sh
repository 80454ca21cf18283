#!/usr/bin/env bash
# Multi-process evaluation with torch's launcher (CUDA: nccl; CPU only: gloo, set up by test.py).
USAGE="usage: tools/dist_test.sh CONFIG CHECKPOINT NPROC [test.py options]

  Evaluates CHECKPOINT of CONFIG on NPROC processes per node, e.g.
  tools/dist_test.sh cfg.py work_dirs/cfg/epoch_40.pth 2 --out preds.pkl
  Environment: NNODES, NODE_RANK, MASTER_ADDR (several nodes), PORT (default 29500),
  PYTHON (default: the checkout's .venv, else python3)."
if [ $# -lt 3 ] || ! [[ "$3" =~ ^[0-9]+$ ]]; then echo "$USAGE" >&2; exit 2; fi
NPROC=$3 SCRIPT=test.py exec bash "$(dirname "$0")/dist_launch.sh" "$1" "$2" "${@:4}"
