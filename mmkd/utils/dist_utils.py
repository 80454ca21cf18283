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
