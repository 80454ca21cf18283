#!/usr/bin/env bash
# Shared by dist_train.sh and dist_test.sh: run tools/$SCRIPT on NPROC processes per node with
# torch's launcher. Not meant to be called directly.
set -euo pipefail
TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$TOOLS")"
# The interpreter: $PYTHON if set, else the checkout's .venv (what `make` installs), else python3.
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
if ! "$PYTHON" -c "import torch, mmkd" 2>/dev/null; then
    echo "error: $PYTHON cannot import torch and mmkd. Run 'make install' in $ROOT," >&2
    echo "activate the environment that has mmkd, or set PYTHON=/path/to/python." >&2
    exit 2
fi
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
exec "$PYTHON" -m torch.distributed.run --nnodes="$NNODES" --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" --nproc_per_node="$NPROC" --master_port="$PORT" \
    "$TOOLS/$SCRIPT" "$@" --launcher pytorch
