"""The same seed is the same run: a component's initial weights depend on the run's seed and
the component alone, whatever else the algorithm builds (a live, lean or cached teacher)."""
import copy
import glob
import json
import os.path as osp

import pytest
import torch

from mmkd.utils.component_seed import component_seed, seeded_component

from helpers import build_kd, digits_batch, run_tool
from test_engine.test_teacher_cache import cache_config


def test_component_seeds_depend_on_the_seed_and_the_key_only():
    assert component_seed(0, 'architecture') == component_seed(0, 'architecture')
    assert len({component_seed(s, k) for s in (0, 1) for k in ('architecture', 'teacher')}) == 4
    assert 0 <= component_seed(2**62, 'x') < 2**63


def test_seeded_components_leave_the_global_generator_and_nest_by_key():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    with seeded_component('a'):
        a = torch.rand(2)
        with seeded_component('b'):  # seeded from the run's seed, not from 'a'
            nested = torch.rand(2)
    with seeded_component('b'):
        alone = torch.rand(2)
    assert torch.equal(torch.rand(3), expected)
    assert torch.equal(nested, alone) and not torch.equal(a, alone)
    assert torch.initial_seed() == 3


def test_the_student_starts_the_same_with_a_live_a_lean_or_no_teacher(teacher_ckpt):
    def student_after_init(**kwargs):
        torch.manual_seed(7)  # the runner's seed
        model = build_kd(teacher_ckpt, **kwargs)
        model.init_weights()
        return model.student.state_dict(), model

    live, live_model = student_after_init()
    lean, lean_model = student_after_init(teacher_lean=dict(channels_last=True))
    lean_bf16, _ = student_after_init(teacher_lean=dict(channels_last=True, autocast='bf16'))
    # what a cached run builds: the student and the distiller, no teacher at all
    alone, _ = student_after_init(student_only=True)
    for k in live:
        assert torch.equal(live[k], lean[k]) and torch.equal(live[k], alone[k]), k
        assert torch.equal(live[k], lean_bf16[k]), k
    # the first step: the student's own loss bit for bit; KD within the lean pass's rounding
    batch = digits_batch(16)
    losses = []
    for model in (live_model, lean_model):
        model.train()
        data = model.data_preprocessor(copy.deepcopy(batch), True)
        losses.append({k: v.item() for k, v in model.loss(**data).items()})
    assert losses[0]['student.loss'] == losses[1]['student.loss']
    assert losses[1]['distill.loss_kd'] == pytest.approx(losses[0]['distill.loss_kd'], rel=1e-4)
    # and a different seed gives a different student
    torch.manual_seed(8)
    other = build_kd(teacher_ckpt).student.state_dict()
    assert not torch.equal(other['backbone.stages.0.0.conv.weight'],
                           live['backbone.stages.0.0.conv.weight'])


def _first_step(work):
    scalars = glob.glob(osp.join(str(work), '*', 'vis_data', 'scalars.json'))[0]
    first = json.loads(open(scalars).readline())
    return {k: v for k, v in first.items() if 'loss' in k}


def _weights(path):
    from mmkd.utils import load_checkpoint_file
    return load_checkpoint_file(str(path))['state_dict']


def test_cached_live_and_alone_runs_start_from_the_same_student(tmp_path, teacher_ckpt):
    """Through tools/train.py, same config and seed: a run reading the teacher cache, one with
    the live teacher, and the student trained alone. With lr=0 the checkpoint after one step
    holds the initial weights."""
    from mmkd.engine.teacher_cache_builder import build
    cfg = cache_config(tmp_path / 'w', teacher_ckpt, tmp_path / 'cache', epochs=1)
    cfg.train_dataloader.dataset.dataset.num_train = 32  # one step
    build(cfg)
    cfg.optim_wrapper.optimizer.lr = 0.0
    cfg.randomness = dict(seed=11)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    paths = {}
    for name, change in (('cached', None), ('live', 'live'), ('alone', 'alone')):
        run = copy.deepcopy(cfg)
        if change == 'live':
            run.model.pop('teacher_cache')
        elif change == 'alone':
            run.model = dict(run.model.architecture, data_preprocessor=run.model.data_preprocessor)
            run.custom_hooks = [h for h in run.custom_hooks
                                if h['type'] != 'ReplayAugmentationHook']
            run.train_dataloader.dataset = run.train_dataloader.dataset.dataset
        paths[name] = tmp_path / f'{name}.py'
        run.dump(str(paths[name]))
        out = run_tool(['tools/train.py', str(paths[name]), '--work-dir', str(tmp_path / name)])
        assert out.returncode == 0, out.stderr[-3000:]
    cached, live = _weights(tmp_path / 'cached/epoch_1.pth'), _weights(tmp_path / 'live/epoch_1.pth')
    alone = _weights(tmp_path / 'alone/epoch_1.pth')
    assert set(cached) == set(live)
    for k in cached:
        assert torch.equal(cached[k], live[k]), k
        if 'running_' not in k and 'num_batches' not in k:  # BN statistics follow the data
            assert torch.equal(cached[k], alone[k[len('architecture.'):]]), k
    first_cached, first_live = _first_step(tmp_path / 'cached'), _first_step(tmp_path / 'live')
    assert set(first_cached) == set(first_live) == {'loss', 'student.loss', 'distill.loss_kd'}
    for k in first_live:
        assert first_cached[k] == pytest.approx(first_live[k], rel=1e-6), k
