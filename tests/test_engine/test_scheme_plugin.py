"""A whole distillation scheme plugs in from outside mmkd, through the algorithm contract.

The scheme below lives in this test only (written to a folder outside the repository and
imported by the config's ``custom_imports``): an algorithm with its own ``train_step``, two
optimizers (the student's and a toy generator's, through MMEngine's ``OptimWrapperDict``) and
two distillers (KD on the real batch, KD on generated images). Trained with
``tools/train.py``, its loss-weight schedule and its stages apply to losses of either
distiller, it resumes to bit-identical weights, ``extract_student`` exports its student and
``inspect_model`` lists its models. The worked example of docs/custom_components.md.
"""
import json
import os.path as osp

import pytest
import torch

from helpers import PREPROCESSOR, STUDENT, TEACHER, digits_kd_config, run_tool

SCHEME = '''
"""A toy data-free-style scheme: KD on real images and on a generator's images."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmkd.models.algorithms import BaseAlgorithm
from mmkd.models.algorithms.base_algorithm import ModelEntry, add_prefix
from mmkd.models.distillers import ConfigurableDistiller
from mmkd.models.teachers import Teacher, nested_keys
from mmkd.registry import MODELS


@MODELS.register_module()
class ToyGenerator(nn.Module):
    """Noise -> a batch of 1x8x8 images in the student's normalised range."""

    def __init__(self, noise: int = 16) -> None:
        super().__init__()
        self.noise = noise
        self.fc = nn.Linear(noise, 64)

    def forward(self, z):
        return 2 * torch.tanh(self.fc(z)).view(-1, 1, 8, 8)


@MODELS.register_module()
class RealAndSyntheticKD(BaseAlgorithm):
    """The student distils from a frozen teacher on the batch (distiller ``distiller``) and
    on generated images (distiller ``synthetic``); the generator is trained, by its own
    optimizer, to make the student disagree with the teacher."""

    def __init__(self, teacher, teacher_ckpt, distiller, synthetic, generator, **kwargs):
        super().__init__(**kwargs)
        self.teacher_entry = Teacher('teacher', dict(model=teacher, ckpt=teacher_ckpt),
                                     nested_keys('model.teacher'), 'teacher',
                                     'teacher_preprocessor')
        self.teacher = None if self.student_only else self.teacher_entry.build(self.student)
        self.distiller = self.build_distiller(distiller, ConfigurableDistiller)
        self.synthetic = self.build_distiller(synthetic, ConfigurableDistiller)
        self.generator = MODELS.build(generator)
        if self.student_only:
            self.teacher_entry.ignore_in_checkpoints(self)
            return
        for distiller in self.distillers().values():
            distiller.prepare_from_teachers(dict(teacher=self.teacher))
            self.teacher_entry.install(self, distiller)
        # the noise of each step depends on the step only, so a resumed run draws the same
        self.register_buffer('step', torch.zeros((), dtype=torch.long))

    def distillers(self):
        return dict(distiller=self.distiller, synthetic=self.synthetic)

    def teachers_by_name(self):
        return {} if self.teacher is None else dict(teacher=self.teacher_entry)

    def named_models(self):
        return {} if self.teacher is None else dict(teacher=self.teacher)

    @classmethod
    def models_in_config(cls, model_cfg):
        return dict(super().models_in_config(model_cfg),
                    teacher=ModelEntry('model.teacher', model_cfg['teacher'], 'teacher.', False))

    def train(self, mode=True):
        super().train(mode)
        self.teacher_entry.set_mode(mode)
        return self

    def noise(self, n):
        gen = torch.Generator().manual_seed(int(self.step))
        self.step += 1
        return torch.randn(n, self.generator.noise, generator=gen)

    def train_step(self, data, optim_wrapper):
        data = self.data_preprocessor(data, True)
        inputs, samples = data['inputs'], data['data_samples']
        student_opt, generator_opt = optim_wrapper['student'], optim_wrapper['generator']
        with generator_opt.optim_context(self.generator):
            fake = self.generator(self.noise(inputs.shape[0]))
            with torch.no_grad():
                target = self.teacher(fake, mode='tensor')
            generator_loss = -F.l1_loss(self.student(fake, mode='tensor'), target)
        generator_opt.update_params(generator_loss)
        student_opt.zero_grad()  # the generator's backward reached the student too
        with student_opt.optim_context(self):
            losses = {}
            self.teacher_entry.record(self.distiller, inputs, samples)
            losses = self.student_and_distill_losses(inputs, samples, losses)
            fake = fake.detach()
            self.teacher_entry.record(self.synthetic, fake, None)
            self.synthetic.record('student', lambda: self.student(fake, mode='tensor'),
                                  grad=True)
            losses.update(add_prefix(self.synthetic.compute_distill_losses(), 'synthetic'))
            self.synthetic.reset_records()
            parsed, log_vars = self.parse_losses(losses)
        student_opt.update_params(parsed)
        log_vars['generator_loss'] = generator_loss.detach()
        return log_vars
'''

LOGITS = dict(logits=dict(type='ModuleOutputs', source='head.fc'))


def kd_distiller():
    return dict(
        type='ConfigurableDistiller', student_recorders=LOGITS, teacher_recorders=LOGITS,
        distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=4.0, loss_weight=1.0)),
        loss_forward_mappings=dict(loss_kd=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='logits', from_student=False))))


@pytest.fixture
def scheme_config(tmp_path, teacher_ckpt):
    folder = tmp_path / 'my_scheme'  # outside the repository, as a user's own
    folder.mkdir()
    (folder / 'real_and_synthetic_kd.py').write_text(SCHEME)
    cfg = digits_kd_config(tmp_path / 'unused', teacher_ckpt, epochs=3)
    cfg.custom_imports = dict(imports=['real_and_synthetic_kd'], allow_failed_imports=False)
    cfg.model = dict(type='RealAndSyntheticKD', architecture=STUDENT, teacher=TEACHER,
                     teacher_ckpt=teacher_ckpt, data_preprocessor=PREPROCESSOR,
                     distiller=kd_distiller(), synthetic=kd_distiller(),
                     generator=dict(type='ToyGenerator', noise=16))
    cfg.optim_wrapper = dict(
        constructor='SeparateOptimWrapperConstructor',
        student=dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9),
                     modules=['architecture']),
        generator=dict(optimizer=dict(type='Adam', lr=1e-3)))
    cfg.param_scheduler = dict(
        student=[dict(type='CosineAnnealingLR', T_max=3, by_epoch=True)],
        generator=[dict(type='ConstantLR', factor=1.0, by_epoch=True)])
    cfg.val_cfg = dict(type='DistillValLoop', evaluate_teacher=True)
    cfg.custom_hooks = [
        # the real-data KD off after epoch 2; the synthetic KD only from stage 'both' on
        # (a loss name both distillers have is qualified with the distiller's name)
        dict(type='LossWeightScheduleHook', schedules={
            'distiller.loss_kd': dict(type='StopAtWeight', stop=2)}),
        dict(type='DistillStagesHook', stages=[
            dict(name='real', epochs=1, losses={'distiller.loss_kd': 1.0}),
            dict(name='both', losses={'distiller.loss_kd': 1.0, 'synthetic.loss_kd': 1.0})])]
    cfg.pop('work_dir', None)
    path = folder / 'scheme_config.py'
    cfg.dump(str(path))
    return path, folder


def losses_by_epoch(work_dir):
    scalars = glob_one(work_dir, '*/vis_data/scalars.json')
    by_epoch = {}
    with open(scalars) as f:
        for line in f:
            entry = json.loads(line)
            if 'epoch' in entry and 'loss' in entry:
                by_epoch.setdefault(entry['epoch'], set()).update(entry)
    return by_epoch


def glob_one(folder, pattern):
    import glob
    found = sorted(glob.glob(osp.join(str(folder), pattern)))
    assert found, f'no {pattern} under {folder}'
    return found[-1]


def weights(path):
    return torch.load(path, map_location='cpu', weights_only=False)['state_dict']


@pytest.mark.long
def test_a_scheme_of_ones_own_trains_resumes_exports_and_is_inspected(scheme_config, tmp_path):
    config, folder = scheme_config
    env = dict(PYTHONPATH=str(folder))
    full, cut = tmp_path / 'full', tmp_path / 'cut'
    out = run_tool(['tools/train.py', str(config), '--work-dir', str(full)], env=env)
    assert out.returncode == 0, out.stderr[-3000:]

    # its two distillers' losses, switched by the stage and the schedule
    logged = losses_by_epoch(full)
    assert 'distill.loss_kd' in logged[1] and 'synthetic.loss_kd' not in logged[1]
    assert {'distill.loss_kd', 'synthetic.loss_kd'} <= logged[2]
    assert 'synthetic.loss_kd' in logged[3] and 'distill.loss_kd' not in logged[3]
    assert 'generator_loss' in logged[1]
    assert 'teacher/accuracy/top1' in open(glob_one(full, '*/vis_data/scalars.json')).read()

    # both optimizers moved their parts, and a resumed run ends bit-identical
    first, last = weights(full / 'epoch_1.pth'), weights(full / 'epoch_3.pth')
    for part in ('architecture.head.fc.weight', 'generator.fc.weight'):
        assert not torch.equal(first[part], last[part]), part
    assert not any(k.startswith('teacher.') for k in last)  # a frozen teacher is not saved
    out = run_tool(['tools/train.py', str(config), '--work-dir', str(cut),
                    '--resume', str(full / 'epoch_1.pth')], env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    resumed = weights(cut / 'epoch_3.pth')
    assert resumed.keys() == last.keys()
    for key in last:
        assert torch.equal(resumed[key], last[key]), key
    state = torch.load(cut / 'epoch_3.pth', map_location='cpu', weights_only=False)
    assert set(state['optimizer']) >= {'student', 'generator'}

    # export and inspection through the contract
    student = tmp_path / 'student.pth'
    out = run_tool(['tools/model_converters/extract_student.py', str(full / 'epoch_3.pth'),
                    str(student), '--config', str(config), '--out-config',
                    str(tmp_path / 'student_config.py')], env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    exported = weights(student)
    assert exported.keys() == {k[len('architecture.'):] for k in last
                               if k.startswith('architecture.')}
    out = run_tool(['tools/model_converters/extract_student.py', str(full / 'epoch_3.pth'),
                    str(tmp_path / 't.pth'), '--config', str(config), '--out-config',
                    str(tmp_path / 't_config.py'), '--model', 'teacher'], env=env)
    assert out.returncode == 2 and 'does not save' in out.stderr, out.stderr[-3000:]
    out = run_tool(['tools/analysis/inspect_model.py', str(config)], env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert '== student' in out.stdout and '== teacher' in out.stdout


def test_every_trainable_parameter_needs_an_optimizer(scheme_config, tmp_path):
    from mmengine.config import Config
    from mmengine.runner import Runner
    from mmkd.utils import KDConfigError
    import sys
    config, folder = scheme_config
    sys.path.insert(0, str(folder))
    try:
        cfg = Config.fromfile(str(config))
        cfg.work_dir = str(tmp_path / 'work')
        cfg.optim_wrapper.student.modules = ['architecture', 'generator']
        with pytest.raises(KDConfigError, match='generator.fc.weight is also optimized'):
            Runner.from_cfg(cfg).train()
        cfg.optim_wrapper.student.modules = ['architecture']
        cfg.optim_wrapper.pop('generator')
        cfg.param_scheduler.pop('generator')
        with pytest.raises(KDConfigError, match='have no optimizer'):
            Runner.from_cfg(cfg).train()
    finally:
        sys.path.remove(str(folder))
