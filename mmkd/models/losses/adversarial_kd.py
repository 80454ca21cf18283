"""Adversarial distillation: a discriminator learns to tell the student's outputs from the
teacher's, and the student learns to fool it. After "Training Shallow and Thin Networks for
Acceleration via Knowledge Distillation with Conditional Adversarial Networks", Xu, Hsu &
Huang, ICLR 2018 workshop (arXiv:1709.00513)."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

from mmkd.registry import MODELS
from mmkd.utils.config_errors import KDConfigError
from .distill_loss import DistillLoss


def adversarial_kd_losses(discriminator: nn.Module, preds_S: torch.Tensor,
                          preds_T: torch.Tensor, labels: Optional[torch.Tensor] = None
                          ) -> Tuple[torch.Tensor, torch.Tensor]:
    r"""The discriminator's and the student's losses of one step, GAN's binary
    cross-entropies with the non-saturating student term:

    .. math::
        \mathcal{L}_D = -\log \sigma(D(t)) - \log(1 - \sigma(D(s))), \qquad
        \mathcal{L}_S = -\log \sigma(D(s))

    averaged over the batch (:math:`t`, :math:`s`: the teacher's and the student's records,
    with the label when :math:`D` is conditional). :math:`\mathcal{L}_D` reaches only the
    discriminator (the records are detached); :math:`\mathcal{L}_S` reaches only the student
    (:math:`D` runs on detached copies of its parameters), so one backward of their sum gives
    each part exactly its own gradient.
    """
    def run(x, params=None):
        args = (x, labels) if labels is not None else (x, )
        return discriminator(*args) if params is None else \
            functional_call(discriminator, params, args)

    real = run(preds_T.detach())
    fake = run(preds_S.detach())
    loss_d = F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + \
        F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    held = {n: p.detach() for n, p in discriminator.named_parameters()}
    held.update(dict(discriminator.named_buffers()))
    fooled = run(preds_S, held)
    loss_s = F.binary_cross_entropy_with_logits(fooled, torch.ones_like(fooled))
    return loss_d, loss_s


@MODELS.register_module()
class AdversarialLoss(DistillLoss):
    """A discriminator-based distillation loss on logits or features (Xu et al., 2018: a
    discriminator tells the student's logits from the teacher's, conditioned on the class;
    the student is trained to fool it, beside its own task loss). See
    :func:`adversarial_kd_losses`.

    The loss holds its discriminator (``distiller.distill_losses.<name>.discriminator``), so
    it is usable beside any other mmkd loss in any algorithm. The value is
    ``loss_weight * L_S + d_weight * L_D``; the discriminator and the student each get only
    their own term's gradient, so one optimizer can step both, or the discriminator gets its
    own: ``optim_wrapper=dict(constructor='SeparateOptimWrapperConstructor',
    architecture=dict(optimizer=...), discriminator=dict(optimizer=dict(type='Adam', ...),
    modules=['distiller.distill_losses.<name>']))`` (every wrapper steps from the same
    backward). Both updates are simultaneous, where GAN training often alternates them.

    Where this differs from the paper: its discriminator network and its training schedule
    are not in any public reference code we could read; the default here is an MLP of two
    hidden layers of 256 with LeakyReLU (:class:`MLPDiscriminator`), feature maps averaged
    over space, and the label condition optional (``conditional=True``, from the batch's
    ground-truth labels).

    Args:
        in_channels (int | str): the record width C (``'auto'`` reads it from ``preds_S``).
        num_classes (int, optional): for ``conditional``: the number of classes.
        conditional (bool): condition the discriminator on the label. Defaults to False.
        discriminator (dict, optional): the discriminator config, ``in_channels`` and
            ``num_classes`` filled in. Defaults to ``dict(type='MLPDiscriminator')``.
        loss_weight (float): the weight of the student's term. Defaults to 1.0.
        d_weight (float): the weight of the discriminator's term. Defaults to 1.0.
    """

    shape_args = {'in_channels': 'preds_S.channels'}

    def __init__(self, in_channels: Union[int, str], num_classes: Optional[int] = None,
                 conditional: bool = False, discriminator: Optional[dict] = None,
                 loss_weight: float = 1.0, d_weight: float = 1.0) -> None:
        super().__init__(loss_weight)
        if conditional and not num_classes:
            raise KDConfigError('AdversarialLoss: conditional=True needs num_classes')
        cfg = dict(discriminator or dict(type='MLPDiscriminator'), in_channels=in_channels,
                   num_classes=num_classes if conditional else None)
        self.discriminator = MODELS.build(cfg)
        self.conditional = conditional
        self.d_weight = d_weight

    def forward(self, preds_S: torch.Tensor, preds_T: torch.Tensor,
                gt_labels: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.conditional and gt_labels is None:
            raise ValueError('AdversarialLoss(conditional=True) needs the batch\'s labels')
        loss_d, loss_s = adversarial_kd_losses(self.discriminator, preds_S, preds_T,
                                               gt_labels if self.conditional else None)
        return self.loss_weight * loss_s + self.d_weight * loss_d
