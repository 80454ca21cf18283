"""Multi-process training on machines without CUDA.

MMEngine's ``pytorch`` launcher calls ``torch.cuda.set_device`` unconditionally and its DDP wrapper
passes ``device_ids=[LOCAL_RANK]``; both fail on a CPU-only machine. :func:`setup_cpu_distributed`
creates a gloo process group before the runner is built (the runner then skips its own
``init_dist``) and sets the wrapper's ``device_ids`` to ``None``.
"""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare ``cfg`` for multi-process CPU training; return whether anything was done.

    Does nothing for ``launcher='none'`` or when CUDA is available (MMEngine handles that case).
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    if launcher == 'slurm':
        # Map SLURM's variables to the ones torch's env:// rendezvous reads.
        os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
        os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
        os.environ.setdefault('LOCAL_RANK', os.environ['SLURM_LOCALID'])
        os.environ.setdefault('MASTER_PORT', '29500')
        if 'MASTER_ADDR' not in os.environ:
            raise RuntimeError('CPU training under SLURM needs MASTER_ADDR set to the first node')
    elif launcher != 'pytorch':
        raise ValueError(f'--launcher {launcher!r} is not supported without CUDA; use pytorch or slurm')
    if not torch_dist.is_initialized():
        timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
        kwargs = {}
        if timeout is not None:
            from datetime import timedelta
            kwargs['timeout'] = timedelta(seconds=timeout)
        torch_dist.init_process_group(backend='gloo', **kwargs)
    wrapper = dict(cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel'))
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    return True


def unwrap_model(model):
    """The model inside a DistributedDataParallel-like wrapper, or the model itself."""
    from mmengine.model import is_model_wrapper
    return model.module if is_model_wrapper(model) else model


def several_processes() -> bool:
    """Whether a process group of more than one process is running."""
    return torch_dist.is_available() and torch_dist.is_initialized() and \
        torch_dist.get_world_size() > 1


def global_mean(x: torch.Tensor) -> torch.Tensor:
    """The mean of ``x`` over every process's elements (the same value on all of them)."""
    if not several_processes():
        return x.mean()
    stats = torch.stack([x.sum(), torch.tensor(float(x.numel()), dtype=x.dtype, device=x.device)])
    torch_dist.all_reduce(stats)
    return stats[0] / stats[1]


def gather_batches(x: torch.Tensor, keep_local_grad: bool = False):
    """Every process's ``x`` (B_r, ...) concatenated in rank order, and where this process's
    rows start. Batches may differ in size across processes.

    The gathered copies carry no gradient; with ``keep_local_grad`` this process's own rows
    are the input tensor itself, so gradients reach the local rows (only). Single-process
    (or not initialised): ``(x, 0)``.
    """
    if not several_processes():
        return x, 0
    world, rank = torch_dist.get_world_size(), torch_dist.get_rank()
    size = torch.tensor([x.shape[0]], device=x.device)
    sizes = [torch.zeros_like(size) for _ in range(world)]
    torch_dist.all_gather(sizes, size)
    sizes = [int(s.item()) for s in sizes]
    padded = x.detach().new_zeros((max(sizes), *x.shape[1:]))
    padded[:x.shape[0]] = x.detach()
    parts = [torch.empty_like(padded) for _ in range(world)]
    torch_dist.all_gather(parts, padded)
    parts = [p[:n] for p, n in zip(parts, sizes)]
    if keep_local_grad:
        parts[rank] = x
    return torch.cat(parts), sum(sizes[:rank])


def summed_over_processes(loss: torch.Tensor) -> torch.Tensor:
    """``loss`` (the same value on every process, computed from every process's batch with
    gradients reaching each process's own rows only) with its gradient scaled by the number
    of processes: DDP averages the processes' gradients, and the gradient of such a loss is
    their sum. The value is unchanged. Single-process: ``loss`` itself."""
    if not several_processes():
        return loss
    return loss + (torch_dist.get_world_size() - 1) * (loss - loss.detach())
