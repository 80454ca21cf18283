"""Data-free distillation: DAFL's, DFAD's and DeepInversion's losses against transcriptions of
their reference code, the generator, the BatchNorm statistics recorder, and DataFreeDistill's
two phases (what moves, what stays, what is refused)."""
import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict

from helpers import PREPROCESSOR, STUDENT, TEACHER
from mmkd.models.algorithms import DataFreeDistill
from mmkd.models.generators import DCGANGenerator
from mmkd.models.losses import (ActivationLoss, BNStatisticsLoss, InformationEntropyLoss,
                                L1Loss, OnehotLikeLoss)
from mmkd.models.recorders import BatchNormStatistics
from mmkd.utils import KDConfigError

LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
MAPPING = dict(preds_S=dict(recorder='logits', from_student=True),
               preds_T=dict(recorder='logits', from_student=False))


def reference_dafl_losses(outputs_T, features_T):
    """DAFL-train.py's generator losses, line by line."""
    pred = outputs_T.data.max(1)[1]
    loss_activation = -features_T.abs().mean()
    loss_one_hot = nn.CrossEntropyLoss()(outputs_T, pred)
    softmax_o_T = torch.nn.functional.softmax(outputs_T, dim=1).mean(dim=0)
    loss_information_entropy = (softmax_o_T * torch.log10(softmax_o_T)).sum()
    return loss_one_hot, loss_information_entropy, loss_activation


def test_dafl_losses_equal_the_reference_values_and_gradients():
    torch.manual_seed(0)
    logits = torch.randn(12, 10, requires_grad=True)
    feats = torch.randn(12, 32, requires_grad=True)
    oh, ie, a = reference_dafl_losses(logits, feats)
    ref = oh * 1 + ie * 5 + a * 0.1
    ref_grads = torch.autograd.grad(ref, [logits, feats])
    ours = OnehotLikeLoss(1.0)(logits) + InformationEntropyLoss(5.0)(logits) + \
        ActivationLoss(0.1)(feats)
    torch.testing.assert_close(ours, ref)
    for g, r in zip(torch.autograd.grad(ours, [logits, feats]), ref_grads):
        torch.testing.assert_close(g, r)
    # hand values: a uniform mean prediction over 10 classes has entropy log10(10) = 1
    assert InformationEntropyLoss()(torch.zeros(4, 10)).item() == pytest.approx(-1.0)
    assert ActivationLoss()(torch.tensor([[1.0, -3.0]])).item() == pytest.approx(-2.0)


def test_bn_statistics_loss_equals_deepinversions_hook():
    torch.manual_seed(0)
    bn1, bn2 = nn.BatchNorm2d(3), nn.BatchNorm2d(5)
    for bn in (bn1, bn2):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    net = nn.Sequential(nn.Conv2d(1, 3, 3), bn1, nn.ReLU(), nn.Conv2d(3, 5, 3), bn2).eval()
    reference = []

    def hook(module, input, output):  # DeepInversionFeatureHook.hook_fn
        nch = input[0].shape[1]
        mean = input[0].mean([0, 2, 3])
        var = input[0].permute(1, 0, 2, 3).contiguous().view([nch, -1]).var(1, unbiased=False)
        reference.append(torch.norm(module.running_var.data - var, 2)
                         + torch.norm(module.running_mean.data - mean, 2))

    handles = [bn.register_forward_hook(hook) for bn in (bn1, bn2)]
    wrapper = nn.Sequential()
    wrapper.add_module('net', net)
    recorder = BatchNormStatistics('net')
    recorder.initialize(wrapper)
    x = torch.randn(6, 1, 9, 9, requires_grad=True)
    with recorder:
        wrapper(x)
    for h in handles:
        h.remove()
    stats = recorder.get_record_data()
    assert len(stats) == 2 and len(recorder.data_buffer) == 1  # one record per pass
    loss = BNStatisticsLoss(first_multiplier=10.0, loss_weight=0.5)(stats)
    torch.testing.assert_close(loss, 0.5 * (10 * reference[0] + reference[1]))
    loss.backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # the images learn through it
    with pytest.raises(ValueError, match='no BatchNorm'):
        BatchNormStatistics('0').initialize(net)


def test_l1_loss_is_dfads_and_its_generator_form_reaches_the_teacher():
    s, t = torch.randn(4, 10, requires_grad=True), torch.randn(4, 10, requires_grad=True)
    torch.testing.assert_close(L1Loss()(s, t), F.l1_loss(s, t))
    L1Loss()(s, t).backward()
    assert t.grad is None
    L1Loss(loss_weight=-1.0, teacher_detach=False)(s, t).backward()
    torch.testing.assert_close(t.grad, torch.sign(s - t).detach() / 40)


def test_generator_is_sized_by_the_image_shape():
    gen = DCGANGenerator((3, 16, 12), latent_dim=7, hidden_channels=8)
    out = gen(gen.sample_noise(5))
    assert out.shape == (5, 3, 16, 12)
    # the last BatchNorm standardises each channel over the batch
    torch.testing.assert_close(out.mean((0, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
    assert gen.block1[1].eps == 0.8 and DCGANGenerator((1, 8, 8), bn_eps=1e-5).block1[1].eps == 1e-5
    with pytest.raises(KDConfigError, match='divisible by 4'):
        DCGANGenerator((1, 10, 8))


def data_free_cfg(teacher_ckpt, **kwargs):
    """DFAD-style: L1 for the student, -L1 (through the teacher) for the generator, and
    DeepInversion's statistics beside it."""
    recorders = dict(LOGITS, bn=dict(type='BatchNormStatistics', source='backbone'))
    cfg = dict(
        type='DataFreeDistill', architecture=STUDENT, teacher=TEACHER, teacher_ckpt=teacher_ckpt,
        data_preprocessor=PREPROCESSOR,
        generator=dict(type='DCGANGenerator', image_shape=(1, 8, 8), latent_dim=16,
                       hidden_channels=16, bn_eps=1e-5),
        distiller=dict(type='ConfigurableDistiller', student_recorders=LOGITS,
                       teacher_recorders=LOGITS,
                       distill_losses=dict(loss_l1=dict(type='L1Loss')),
                       loss_forward_mappings=dict(loss_l1=MAPPING)),
        generator_distiller=dict(
            type='ConfigurableDistiller', student_recorders=LOGITS, teacher_recorders=recorders,
            distill_losses=dict(loss_adv=dict(type='L1Loss', loss_weight=-1.0,
                                              teacher_detach=False),
                                loss_bn=dict(type='BNStatisticsLoss', loss_weight=0.1)),
            loss_forward_mappings=dict(
                loss_adv=MAPPING,
                loss_bn=dict(stats=dict(recorder='bn', from_student=False)))))
    cfg.update(kwargs)
    return cfg


def optimizers(model, student_lr=0.05):
    return OptimWrapperDict(
        architecture=OptimWrapper(torch.optim.SGD(model.architecture.parameters(), lr=student_lr)),
        generator=OptimWrapper(torch.optim.Adam(model.generator.parameters(), lr=1e-2)))


def params(module):
    return {n: p.detach().clone() for n, p in module.named_parameters()}


def moved(before, module):
    return {n for n, p in module.named_parameters() if not torch.equal(before[n], p)}


def test_each_phase_moves_its_own_part_and_the_teacher_stays(teacher_ckpt):
    from mmkd.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(data_free_cfg(teacher_ckpt, student_steps=2, student_first=True))
    model.train()
    wrappers = optimizers(model)
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    student, generator = params(model.architecture), params(model.generator)
    log = model.train_step(dict(sample_idx=list(range(8))), wrappers)
    assert {'loss', 'distill.loss_l1', 'generator.loss_adv', 'generator.loss_bn',
            'generator.loss'} <= set(log)
    assert log['generator.loss_adv'] < 0  # the generator maximises the discrepancy
    assert moved(student, model.architecture) == set(student)
    assert moved(generator, model.generator) == {n for n, p in model.generator.named_parameters()}
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, teacher_before[k]), k  # frozen, in eval mode: not even BN stats
    # the generator's backward through the student left it no gradient for the next phase
    assert all(p.grad is None or not p.grad.any() for p in model.architecture.parameters())


def test_the_student_phase_lowers_its_loss_on_a_fixed_generator(teacher_ckpt):
    from mmkd.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(data_free_cfg(teacher_ckpt))
    model.train()
    wrappers = optimizers(model, student_lr=0.2)
    wrappers['generator'].optimizer.param_groups[0]['lr'] = 0.0
    losses = [model.train_step(dict(sample_idx=list(range(64))), wrappers)['distill.loss_l1']
              for _ in range(15)]
    assert losses[-1] < 0.7 * losses[0], losses


def test_dafl_shared_batch_distils_on_the_generator_phase_images(teacher_ckpt):
    from mmkd.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(data_free_cfg(teacher_ckpt, shared_batch=True))
    model.train()
    seen = []
    model.architecture.register_forward_pre_hook(lambda m, a: seen.append(a[0].detach()))
    model.train_step(dict(sample_idx=list(range(8))), optimizers(model))
    assert len(seen) == 2  # generator phase (through the student), then the student phase
    torch.testing.assert_close(seen[0], seen[1])


def test_data_free_config_errors(teacher_ckpt):
    from mmkd.registry import MODELS
    with pytest.raises(KDConfigError, match='shared_batch'):
        MODELS.build(data_free_cfg(teacher_ckpt, shared_batch=True, student_steps=5))
    with pytest.raises(KDConfigError, match='student_steps'):
        MODELS.build(data_free_cfg(teacher_ckpt, student_steps=0))
    with pytest.raises(KDConfigError, match="model.student_step: .*Did you mean 'student_steps'"):
        MODELS.build(data_free_cfg(teacher_ckpt, student_step=5))
    with pytest.raises(KDConfigError, match='teacher_ckpt is required'):
        MODELS.build(data_free_cfg(None))
    with pytest.raises(KDConfigError, match='sample_noise'):
        MODELS.build(data_free_cfg(teacher_ckpt, generator=nn.Linear(2, 2)))
    model = MODELS.build(data_free_cfg(teacher_ckpt))
    one = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(KDConfigError, match="'architecture'.*'generator'"):
        model.train_step(dict(sample_idx=[0, 1]), one)
    with pytest.raises(KDConfigError, match='SyntheticSamples'):
        model.train_step(dict(sample_idx=[]), optimizers(model))
