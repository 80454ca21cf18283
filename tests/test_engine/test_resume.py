import glob
import os.path as osp

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmkd.utils import load_checkpoint_file

from helpers import digits_kd_config


class _Crash(Hook):
    """Simulates an interruption right after the checkpoint of epoch ``at`` is written."""

    priority = 'LOWEST'

    def __init__(self, at):
        self.at = at

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.at:
            raise KeyboardInterrupt('simulated interruption')


def interrupt_and_resume(make_config, work_dir, at: int) -> None:
    """Train ``make_config(work_dir)``, interrupted after epoch ``at``, then resume it to the
    end (as ``tools/train.py CONFIG --resume``)."""
    runner = Runner.from_cfg(make_config(work_dir))
    runner.register_hook(_Crash(at=at))
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    resumed = make_config(work_dir)
    resumed.resume = True
    Runner.from_cfg(resumed).train()


def final_state(work_dir):
    return load_checkpoint_file(osp.join(work_dir, 'epoch_4.pth'))['state_dict']


def test_interrupted_training_resumes_to_the_same_weights(tmp_path, teacher_ckpt):
    full = digits_kd_config(tmp_path / 'full', teacher_ckpt, epochs=4)
    Runner.from_cfg(full).train()

    cut = digits_kd_config(tmp_path / 'cut', teacher_ckpt, epochs=4)
    runner = Runner.from_cfg(cut)
    runner.register_hook(_Crash(at=2))
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    assert sorted(osp.basename(p) for p in glob.glob(str(tmp_path / 'cut' / 'epoch_*.pth'))) == [
        'epoch_1.pth', 'epoch_2.pth']

    resumed = digits_kd_config(tmp_path / 'cut', teacher_ckpt, epochs=4)
    resumed.resume = True  # what `tools/train.py CONFIG --resume` sets
    runner = Runner.from_cfg(resumed)
    runner.train()
    assert runner.epoch == 4
    expected, got = final_state(tmp_path / 'full'), final_state(tmp_path / 'cut')
    assert set(expected) == set(got)
    for k in expected:
        torch.testing.assert_close(got[k], expected[k], rtol=0, atol=1e-6, msg=k)
    # the resumed run logged from epoch 3 on, with the optimizer's momentum restored
    ckpt = load_checkpoint_file(osp.join(tmp_path / 'cut', 'epoch_4.pth'))
    assert ckpt['meta']['epoch'] == 4 and ckpt['optimizer']['state']


CONNECTOR_HINT = dict(
    type='ConfigurableDistiller',
    student_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
    teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='backbone.stages.1')),
    connectors=dict(proj=dict(type='ConvModuleConnector', in_channel=16, out_channel=32,
                              kernel_size=1, norm_cfg=dict(type='BN'))),
    distill_losses=dict(loss_hint=dict(type='L2Loss')),
    loss_forward_mappings=dict(loss_hint=dict(
        preds_S=dict(recorder='feat', from_student=True, connector='proj'),
        preds_T=dict(recorder='feat', from_student=False))))


def multi_teacher(cfg, teacher_ckpt):
    from helpers import LOGITS_KD, STUDENT, TEACHER, build_classifier
    logits = LOGITS_KD['student_recorders']
    # A second, different teacher, so that which one is drawn changes the weights.
    other = osp.join(osp.dirname(cfg.work_dir), 'other_teacher.pth')
    if not osp.isfile(other):
        torch.manual_seed(7)
        torch.save({'state_dict': build_classifier(TEACHER).state_dict()}, other)
    cfg.model = dict(
        type='MultiTeacherDistill', architecture=STUDENT, teacher_selection='random',
        teachers=dict(t1=dict(model=TEACHER, ckpt=teacher_ckpt),
                      t2=dict(model=TEACHER, ckpt=other)),
        data_preprocessor=cfg.model.data_preprocessor,
        distiller=dict(
            type='MultiTeacherDistiller', student_recorders=logits,
            teacher_recorders=dict(t1=logits, t2=logits),
            distill_losses=dict(loss_kd=dict(type='MultiTeacherKLDivergence', tau=4)),
            loss_forward_mappings=dict(loss_kd=dict(
                preds_S=dict(recorder='logits', from_student=True),
                preds_T=dict(recorder='logits', from_student=False, teacher='all')))))


def with_schedule(cfg, teacher_ckpt):
    cfg.custom_hooks = list(cfg.custom_hooks) + [dict(
        type='LossWeightScheduleHook',
        schedules=dict(loss_kd=dict(type='LinearWarmupWeight', warmup=3)))]


def with_connector(cfg, teacher_ckpt):
    from helpers import kd_model_cfg
    cfg.model = kd_model_cfg(teacher_ckpt, CONNECTOR_HINT)


def stages(first_epochs):
    """A connector pre-training stage of ``first_epochs`` epochs, then KD with the hint."""
    def apply(cfg, teacher_ckpt):
        from helpers import kd_model_cfg
        distiller = dict(CONNECTOR_HINT)
        distiller['student_recorders'] = dict(CONNECTOR_HINT['student_recorders'],
                                              **LOGITS_KD_RECORDERS)
        distiller['teacher_recorders'] = dict(CONNECTOR_HINT['teacher_recorders'],
                                              **LOGITS_KD_RECORDERS)
        distiller['distill_losses'] = dict(loss_hint=dict(type='L2Loss'),
                                           loss_kd=dict(type='KLDivergence', tau=4))
        distiller['loss_forward_mappings'] = dict(CONNECTOR_HINT['loss_forward_mappings'],
                                                  loss_kd=LOGITS_KD_MAPPING)
        cfg.model = kd_model_cfg(teacher_ckpt, distiller)
        cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9,
                                                weight_decay=5e-4))
        cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='DistillStagesHook', stages=[
            dict(name='init', epochs=first_epochs, losses=dict(loss_hint=1.0),
                 student_loss=False,
                 trainable=['architecture.backbone.stages.0', 'distiller.connectors.proj']),
            dict(name='main', losses=dict(loss_kd=1.0, loss_hint=0.5))])]
    apply.__name__ = f'stages_{first_epochs}'
    return apply


def with_crd(cfg, teacher_ckpt):
    """CRD's memory banks and normalising constants, and its negatives drawn by the loss."""
    from helpers import kd_model_cfg
    pooled = dict(feat=dict(type='ModuleInputs', source='head.fc'))
    cfg.model = kd_model_cfg(teacher_ckpt, dict(
        type='ConfigurableDistiller', student_recorders=pooled, teacher_recorders=pooled,
        distill_losses=dict(loss_crd=dict(type='CRDLoss', student_channels=16,
                                          teacher_channels=32, num_samples=128, feat_dim=16,
                                          num_negatives=32)),
        loss_forward_mappings=dict(loss_crd=dict(
            preds_S=dict(recorder='feat', from_student=True),
            preds_T=dict(recorder='feat', from_student=False)))))


def mutual_learning(cfg, teacher_ckpt):
    """Two peers trained together (their weights and one optimizer's states)."""
    from test_models.test_mutual_learning import dml_model_cfg
    cfg.model = dml_model_cfg()


def self_distill(cfg, teacher_ckpt):
    """BYOT: the student and its shallow exit."""
    from test_models.test_self_distill import byot_cfg
    cfg.model = byot_cfg()


def _logits_kd():
    from helpers import LOGITS_KD
    return LOGITS_KD['student_recorders'], LOGITS_KD['loss_forward_mappings']['loss_kd']


LOGITS_KD_RECORDERS, LOGITS_KD_MAPPING = _logits_kd()


@pytest.mark.parametrize(
    'state', [with_connector, with_schedule, multi_teacher, stages(3), stages(2), with_crd,
              mutual_learning, self_distill],
    ids=['connector', 'loss-weight schedule', 'multi-teacher draw counter',
         'in the middle of a training stage', 'at a stage boundary', 'CRD memory banks',
         'mutual learning peers', 'self-distillation exit'])
def test_distiller_state_survives_an_interruption(tmp_path, teacher_ckpt, state):
    """What the distiller and the algorithm keep between steps is restored on resume: the run
    ends with exactly the weights (connectors, draw counter) of an uninterrupted one."""
    def config(work):
        cfg = digits_kd_config(tmp_path / work, teacher_ckpt, epochs=4)
        cfg.train_dataloader.dataset.pipeline = [dict(type='mmpretrain.RandomCrop', crop_size=8,
                                                      padding=1),
                                                 dict(type='mmpretrain.PackInputs')]
        state(cfg, teacher_ckpt)
        return cfg

    Runner.from_cfg(config('full')).train()
    runner = Runner.from_cfg(config('cut'))
    runner.register_hook(_Crash(at=2))
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    resumed = config('cut')
    resumed.resume = True
    runner = Runner.from_cfg(resumed)
    runner.train()
    expected, got = final_state(tmp_path / 'full'), final_state(tmp_path / 'cut')
    assert set(expected) == set(got)
    for k in expected:
        assert torch.equal(got[k], expected[k]), k
    if state is multi_teacher:
        assert int(got['selection_step']) == 4 * 4  # 4 epochs of 4 steps, one draw each
    if state is with_connector:
        assert any(k.startswith('distiller.connectors.proj.') for k in got)
    if state is mutual_learning:
        assert any(k.startswith('peers.peer2.') for k in got)
    if state is with_crd:
        bank = 'distiller.distill_losses.loss_crd.memory_s'
        assert bank in got and (got['distiller.distill_losses.loss_crd.z'] > 0).all()
