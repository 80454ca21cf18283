"""The distillation-oriented trainer, DOT (Zhao et al., ICCV 2023): SGD with one momentum for
the task loss's gradients and another for the distillation loss's."""
from typing import List, Tuple

import torch
from mmkd.models.algorithms.loss_parts_optim_wrapper import LossPartsOptimWrapper
from mmkd.registry import OPTIM_WRAPPERS, OPTIMIZERS
from mmkd.utils.config_errors import KDConfigError


@OPTIMIZERS.register_module()
class DOTSGD(torch.optim.Optimizer):
    r"""SGD whose momentum is split between the task and the distillation gradients:
    "DOT: A Distillation-Oriented Trainer", Zhao et al., ICCV 2023.

    With :math:`\beta_t = m - \delta` (task) and :math:`\beta_k = m + \delta` (distillation),
    as mdistiller's ``dot.py`` (dampening 0, no Nesterov), for each parameter:

    .. math::
        b_t \leftarrow \beta\, b_t + g_t + w\,\theta, \quad \theta \leftarrow \theta - \eta\, b_t

        b_k \leftarrow \beta'\, b_k + g_k\ (+\, w\,\theta), \quad
        \theta \leftarrow \theta - \eta\, b_k

    where :math:`\beta = \beta_t` for a parameter that also has a distillation gradient and
    :math:`(\beta_t + \beta_k)/2` otherwise, :math:`\beta' = \beta_k` for a parameter that also
    has a task gradient (its weight decay :math:`w\theta` is in the task update) and
    :math:`(\beta_t + \beta_k)/2` with the weight decay otherwise; a first buffer is the
    gradient itself (with weight decay for the task one, without for the distillation one), and
    the distillation update uses the parameter after the task update. The buffers are
    ``momentum_buffer`` and ``momentum_kd_buffer`` of the optimizer state, saved and resumed.

    The distillation gradients reach the optimizer by :meth:`stash_distill_grads` (after a
    backward of the distillation loss), the task gradients as ``.grad``:
    :class:`DOTOptimWrapper` does both.

    Args:
        params: parameters or parameter groups.
        lr (float): learning rate.
        momentum (float): m. Defaults to 0.9.
        delta (float): δ. Defaults to 0.075 (mdistiller's CIFAR-100 setting; 0.09 on ImageNet).
        weight_decay (float): w. Defaults to 0.
    """

    def __init__(self, params, lr: float, momentum: float = 0.9, delta: float = 0.075,
                 weight_decay: float = 0.0) -> None:
        if lr <= 0 or not 0 <= momentum - delta <= momentum + delta < 1 or weight_decay < 0:
            raise ValueError(f'DOTSGD needs lr > 0, 0 <= momentum - delta and momentum + delta '
                             f'< 1, weight_decay >= 0; got lr={lr}, momentum={momentum}, '
                             f'delta={delta}, weight_decay={weight_decay}')
        super().__init__(params, dict(lr=lr, momentum=momentum, delta=delta,
                                      weight_decay=weight_decay))

    def stash_distill_grads(self) -> None:
        """Keep the current gradients as the distillation gradients of this step and clear
        them, so that the next backward gives the task gradients."""
        for group in self.param_groups:
            for p in group['params']:
                self.state[p]['distill_grad'] = p.grad
                p.grad = None

    def zero_grad(self, set_to_none: bool = True) -> None:
        super().zero_grad(set_to_none)
        for group in self.param_groups:  # a withheld step leaves no stale distillation grads
            for p in group['params']:
                self.state[p].pop('distill_grad', None)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, wd = group['lr'], group['weight_decay']
            m_task, m_kd = group['momentum'] - group['delta'], group['momentum'] + group['delta']
            m_mid = (m_task + m_kd) / 2
            task: List[Tuple[torch.Tensor, torch.Tensor]] = [
                (p, p.grad) for p in group['params'] if p.grad is not None]
            distill = [(p, self.state[p].pop('distill_grad', None)) for p in group['params']]
            distill = [(p, g) for p, g in distill if g is not None]
            has_task, has_distill = {id(p) for p, _ in task}, {id(p) for p, _ in distill}
            for p, g in task:
                state = self.state[p]
                d = g.add(p, alpha=wd) if wd else g
                buf = state.get('momentum_buffer')
                if buf is None:
                    buf = state['momentum_buffer'] = d.clone()
                else:
                    buf.mul_(m_task if id(p) in has_distill else m_mid).add_(d)
                p.add_(buf, alpha=-lr)
            for p, g in distill:
                state = self.state[p]
                buf = state.get('momentum_kd_buffer')
                if buf is None:
                    buf = state['momentum_kd_buffer'] = g.clone()
                elif id(p) in has_task:
                    buf.mul_(m_kd).add_(g)
                else:
                    buf.mul_(m_mid).add_(g)
                    if wd:
                        buf.add_(p, alpha=wd)
                p.add_(buf, alpha=-lr)
        return loss


@OPTIM_WRAPPERS.register_module()
class DOTOptimWrapper(LossPartsOptimWrapper):
    """The optimizer wrapper of DOT: the algorithm gives it the task loss (the student's own
    loss) and the distillation loss (everything else) of a step apart, and it runs a backward
    of each, the distillation gradients stashed in between, then one :class:`DOTSGD` step.

    Usable with any mmkd algorithm and config: ``optim_wrapper = dict(type='DOTOptimWrapper',
    optimizer=dict(type='DOTSGD', lr=0.05, momentum=0.9, delta=0.075, weight_decay=5e-4))``.
    Gradient accumulation is not supported (the two backward passes of one step are already
    what accumulation would mix).
    """

    def __init__(self, optimizer, **kwargs) -> None:
        super().__init__(optimizer, **kwargs)
        if not isinstance(self.optimizer, DOTSGD):
            raise KDConfigError(f"optim_wrapper.type='DOTOptimWrapper' needs optimizer.type="
                                f"'DOTSGD', got {type(self.optimizer).__name__}")
        if self._accumulative_counts != 1:
            raise KDConfigError('optim_wrapper.accumulative_counts must be 1 with '
                                'DOTOptimWrapper')

    def should_sync(self) -> bool:
        # DDP's reducer averages the gradients of one backward a forward; DOT's step has two,
        # so the step's forward runs under the wrapper's no_sync and each backward's gradients
        # are averaged here (update_params_split)
        return False

    def update_params_split(self, task_loss: torch.Tensor, distill_loss: torch.Tensor) -> None:
        """One DOT update from the two losses of a step (under several processes, each
        backward's gradients averaged over them)."""
        self.backward(distill_loss, retain_graph=True)
        average_gradients(self.optimizer)
        self.optimizer.stash_distill_grads()
        self.backward(task_loss)
        average_gradients(self.optimizer)
        self.step()
        self.zero_grad()


def average_gradients(optimizer: torch.optim.Optimizer) -> None:
    """Every parameter's gradient averaged over the processes (nothing in one process)."""
    from mmkd.utils.dist_utils import several_processes
    if not several_processes():
        return
    import torch.distributed as torch_dist
    world = torch_dist.get_world_size()
    for group in optimizer.param_groups:
        for p in group['params']:
            if p.grad is not None:
                torch_dist.all_reduce(p.grad)
                p.grad.div_(world)
