"""Adversarial distillation: each part gets only its own term's gradient, a conditional
discriminator reads the labels, and the shipped digits config trains with the discriminator's
own optimizer beside the student's, resumes with both, and exports the student."""
import os
import textwrap

import pytest
import torch
import torch.nn.functional as F

from helpers import ROOT, TEACHER, run_tool
from mmkd.models.discriminators import MLPDiscriminator
from mmkd.models.losses import AdversarialLoss
from mmkd.utils import KDConfigError


def test_the_discriminator_and_the_student_each_get_their_own_gradient():
    torch.manual_seed(0)
    loss = AdversarialLoss(in_channels=10, loss_weight=0.3, d_weight=2.0)
    disc = loss.discriminator
    s = torch.randn(8, 10, requires_grad=True)
    t = torch.randn(8, 10, requires_grad=True)
    loss(s, t).backward()

    # by hand: D's gradient from its own BCE only; the student's from the fooling term only
    ref = MLPDiscriminator(10)
    ref.load_state_dict(disc.state_dict())
    real, fake = ref(t.detach()), ref(s.detach())
    loss_d = F.binary_cross_entropy_with_logits(real, torch.ones(8)) + \
        F.binary_cross_entropy_with_logits(fake, torch.zeros(8))
    grads_d = torch.autograd.grad(2.0 * loss_d, list(ref.parameters()))
    for (name, p), g in zip(disc.named_parameters(), grads_d):
        torch.testing.assert_close(p.grad, g, msg=name)
    s2 = s.detach().requires_grad_()
    fooled = ref(s2)
    (0.3 * F.binary_cross_entropy_with_logits(fooled, torch.ones(8))).backward()
    torch.testing.assert_close(s.grad, s2.grad)
    assert t.grad is None  # the teacher side is a target


def test_conditional_discriminator_reads_labels_and_pools_feature_maps():
    loss = AdversarialLoss(in_channels=4, num_classes=3, conditional=True)
    assert loss.discriminator.layers[0].in_features == 4 + 3
    value = loss(torch.randn(5, 4, 2, 2), torch.randn(5, 4, 2, 2), torch.tensor([0, 1, 2, 0, 1]))
    assert torch.isfinite(value)
    with pytest.raises(ValueError, match='labels'):
        loss(torch.randn(5, 4), torch.randn(5, 4))
    with pytest.raises(KDConfigError, match='num_classes'):
        AdversarialLoss(in_channels=4, conditional=True)


@pytest.mark.long
def test_adversarial_kd_trains_with_its_own_optimizer_and_resumes(tmp_path, teacher_ckpt):
    base = os.path.join(ROOT, 'configs/adversarial/'
                              'adversarial_kd_convnet-teacher_convnet-student_digits.py')
    config = tmp_path / 'adv.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = [{base!r}]
        model = dict(teacher=dict(_delete_=True, **{TEACHER!r}), teacher_ckpt={teacher_ckpt!r})
        train_dataloader = dict(batch_size=32, dataset=dict(num_train=96))
        train_cfg = dict(max_epochs=3, val_interval=3)
        param_scheduler = dict(architecture=[dict(type='CosineAnnealingLR', T_max=3,
                                                  by_epoch=True)])
        default_hooks = dict(logger=dict(interval=1), checkpoint=dict(max_keep_ckpts=5))
        randomness = dict(seed=0, deterministic=True)
    '''))
    full, cut = tmp_path / 'full', tmp_path / 'cut'
    out = run_tool(['tools/train.py', str(config), '--work-dir', str(full)])
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'distill.loss_adv' in out.stdout + out.stderr

    def load(path):
        return torch.load(path, map_location='cpu', weights_only=False)

    first, last = load(full / 'epoch_1.pth'), load(full / 'epoch_3.pth')
    for part in ('architecture.head.fc.weight',
                 'distiller.distill_losses.loss_adv.discriminator.layers.0.weight'):
        assert not torch.equal(first['state_dict'][part], last['state_dict'][part]), part
    assert set(last['optimizer']) == {'architecture', 'discriminator'}
    adam = last['optimizer']['discriminator']['state']
    assert adam and all('exp_avg' in s for s in adam.values())

    out = run_tool(['tools/train.py', str(config), '--work-dir', str(cut),
                    '--resume', str(full / 'epoch_1.pth')])
    assert out.returncode == 0, out.stderr[-3000:]
    resumed = load(cut / 'epoch_3.pth')
    for key, value in last['state_dict'].items():
        assert torch.equal(resumed['state_dict'][key], value), key
    for key, value in adam.items():
        torch.testing.assert_close(resumed['optimizer']['discriminator']['state'][key]['exp_avg'],
                                   value['exp_avg'], rtol=0, atol=0)
