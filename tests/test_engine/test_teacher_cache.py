"""The teacher-output cache: built once from the live teacher, read by student runs that never
build the teacher; refused when anything it was built from differs."""
import copy
import json
import os
import os.path as osp
import subprocess

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

from mmkd.engine.teacher_cache_builder import build
from mmkd.registry import DATASETS, MODELS
from mmkd.utils import KDConfigError, load_checkpoint_file

from helpers import PY, ROOT, TEACHER, build_classifier, digits_kd_config, failure_text
from test_engine.test_distributed import free_port
from test_engine.test_resume import _Crash

PIPELINE = [dict(type='mmpretrain.RandomCrop', crop_size=8, padding=1),
            dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='mmpretrain.PackInputs')]


def cache_config(work_dir, teacher_ckpt, cache_dir, epochs=2, num_slots=2, seed=0,
                 pipeline=PIPELINE, **cache):
    """A digits KD run whose training set is replayable and whose teacher is cached."""
    cfg = digits_kd_config(work_dir, teacher_ckpt, epochs=epochs)
    inner = cfg.train_dataloader.dataset
    inner.pipeline = copy.deepcopy(pipeline)
    cfg.train_dataloader.dataset = dict(type='ReplayableDataset', seed=seed,
                                        num_slots=num_slots, dataset=inner)
    cfg.custom_hooks = [dict(type='ReplayAugmentationHook')]
    cfg.model.teacher_cache = dict(dir=str(cache_dir), **(cache or dict(full_logits=True,
                                                                         dtype='float32')))
    return cfg


def live(cfg):
    cfg = copy.deepcopy(cfg)
    cfg.model.pop('teacher_cache')
    return cfg


def first_batch(cfg, n=16):
    dataset = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    return pseudo_collate([dataset[(0, i)] for i in range(n)])


def step_losses(model, batch):
    model.train()  # as the runner does (a frozen teacher stays in eval mode)
    data = model.data_preprocessor(copy.deepcopy(batch), True)
    return {k: v.item() for k, v in model.loss(data['inputs'], data['data_samples']).items()}


@pytest.fixture
def built(tmp_path, teacher_ckpt):
    """A cache of full float32 logits for the digits run, and its config."""
    cfg = cache_config(tmp_path / 'work', teacher_ckpt, tmp_path / 'cache')
    meta = build(cfg)
    return cfg, meta


def test_a_cached_step_computes_the_loss_of_a_live_step(built):
    cfg, meta = built
    assert meta['complete'] and meta['num_slots'] == 2 and meta['num_samples'] == 128
    torch.manual_seed(0)
    live_model = MODELS.build(live(cfg).model)
    cached = MODELS.build(copy.deepcopy(cfg.model))
    assert cached.teacher is None and not any('teacher' in k for k in cached.state_dict())
    cached.load_state_dict(live_model.state_dict())
    batch = first_batch(cfg)
    expected, got = step_losses(live_model, batch), step_losses(cached, batch)
    assert set(got) == set(expected) == {'student.loss', 'distill.loss_kd'}
    for k in expected:
        assert got[k] == pytest.approx(expected[k], rel=1e-6, abs=1e-7), k


def test_top_k_targets_keep_the_top_k_and_spread_the_rest_evenly(tmp_path, teacher_ckpt):
    cfg = cache_config(tmp_path / 'work', teacher_ckpt, tmp_path / 'cache', topk=3,
                       dtype='float32')
    build(cfg)
    teacher = build_classifier(TEACHER)
    teacher.load_state_dict(torch.load(teacher_ckpt, weights_only=True)['state_dict'])
    teacher.eval()
    live_model = MODELS.build(live(cfg).model)
    data = live_model.data_preprocessor(first_batch(cfg), False)
    with torch.no_grad():
        p_t = teacher(data['inputs'], mode='tensor').softmax(1)
    cached = MODELS.build(copy.deepcopy(cfg.model))
    served = cached.teacher_cache.cache.lookup(data['data_samples']).softmax(1)
    top, index = p_t.topk(3, dim=1)
    torch.testing.assert_close(served.gather(1, index), top, rtol=1e-5, atol=1e-6)
    rest = served.scatter(1, index, float('nan'))
    tail = (1 - top.sum(1, keepdim=True)) / 7
    mask = ~rest.isnan()
    torch.testing.assert_close(rest[mask], tail.expand_as(rest)[mask], rtol=1e-5, atol=1e-7)


def test_cached_training_never_builds_or_loads_the_teacher_and_resumes(tmp_path, teacher_ckpt,
                                                                     monkeypatch):
    from mmkd.models.teachers import teacher as std
    cache_dir = tmp_path / 'cache'
    build(cache_config(tmp_path / 'w0', teacher_ckpt, cache_dir, topk=4))
    real_build = std.build_model

    def no_teacher(cfg, key):
        assert key != 'model.teacher', 'the teacher was built'
        return real_build(cfg, key)

    def no_load(*args, **kwargs):
        raise AssertionError('the teacher checkpoint was loaded')

    monkeypatch.setattr(std, 'build_model', no_teacher)
    monkeypatch.setattr(std, 'load_teacher_checkpoint', no_load)
    # three epochs over two slots: epoch 2 replays slot 0; resume after epoch 1
    full = cache_config(tmp_path / 'full', teacher_ckpt, cache_dir, epochs=3, topk=4)
    runner = Runner.from_cfg(full)
    runner.train()
    assert runner.model.teacher is None
    cut = cache_config(tmp_path / 'cut', teacher_ckpt, cache_dir, epochs=3, topk=4)
    runner = Runner.from_cfg(cut)
    runner.register_hook(_Crash(at=1))
    with pytest.raises(KeyboardInterrupt):
        runner.train()
    resumed = cache_config(tmp_path / 'cut', teacher_ckpt, cache_dir, epochs=3, topk=4)
    resumed.resume = True
    Runner.from_cfg(resumed).train()
    expected = load_checkpoint_file(str(tmp_path / 'full' / 'epoch_3.pth'))['state_dict']
    got = load_checkpoint_file(str(tmp_path / 'cut' / 'epoch_3.pth'))['state_dict']
    for k in expected:
        torch.testing.assert_close(got[k], expected[k], rtol=0, atol=1e-6, msg=k)


def _other_teacher(tmp_path):
    torch.manual_seed(1)
    path = tmp_path / 'other_teacher.pth'
    torch.save({'state_dict': build_classifier(TEACHER).state_dict()}, path)
    return str(path)


@pytest.mark.parametrize('change,match', [
    ('k', r'k \(model.teacher_cache.topk\) differs'),
    ('full_logits', 'full_logits differs'),
    ('teacher_inputs', 'input normalisation'),
    ('dkd', "needs the teacher's full logits"),
    ('feature', 'Feature and relation losses need the live teacher'),
    ('no_dir', 'Build it first'),
    ('incomplete', 'incomplete'),
])
def test_the_cache_refuses_another_setting(tmp_path, teacher_ckpt, change, match):
    cache_dir = tmp_path / 'cache'
    build(cache_config(tmp_path / 'w', teacher_ckpt, cache_dir, topk=4))
    cfg = cache_config(tmp_path / 'w', teacher_ckpt, cache_dir, topk=4)
    if change == 'k':
        cfg.model.teacher_cache.topk = 3
    elif change == 'full_logits':
        cfg.model.teacher_cache = dict(dir=str(cache_dir), full_logits=True)
    elif change == 'teacher_inputs':
        cfg.model.data_preprocessor.std = [50.0]
    elif change == 'dkd':
        cfg.model.distiller.distill_losses.loss_kd = dict(type='DKDLoss', tau=4.0)
        cfg.model.distiller.loss_forward_mappings.loss_kd = dict(
            preds_S=dict(from_student=True, recorder='logits'),
            preds_T=dict(from_student=False, recorder='logits'))
    elif change == 'feature':
        cfg.model.distiller.teacher_recorders.feat = dict(type='ModuleOutputs',
                                                          source='backbone')
    elif change == 'no_dir':
        cfg.model.teacher_cache.dir = str(tmp_path / 'nowhere')
    elif change == 'incomplete':
        meta = json.loads((cache_dir / 'meta.json').read_text())
        (cache_dir / 'meta.json').write_text(json.dumps(dict(meta, complete=False)))
    with pytest.raises(KDConfigError, match=match):
        MODELS.build(copy.deepcopy(cfg.model))


def test_the_teacher_file_is_not_needed_and_another_one_only_warns(tmp_path, teacher_ckpt,
                                                                   monkeypatch):
    import mmengine.logging
    cache_dir = tmp_path / 'cache'
    build(cache_config(tmp_path / 'w', teacher_ckpt, cache_dir, topk=4))
    # gone from disk: the cache keeps the teacher's outputs and its checkpoint's hash
    cfg = cache_config(tmp_path / 'w', str(tmp_path / 'moved_away.pth'), cache_dir, topk=4)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert osp.isfile(tmp_path / 'w' / 'epoch_2.pth')
    # another file under that name: training goes on, with a warning naming both
    cfg = cache_config(tmp_path / 'w2', _other_teacher(tmp_path), cache_dir, topk=4)
    logged = []
    monkeypatch.setattr(mmengine.logging, 'print_log', lambda msg, *a, **k: logged.append(msg))
    MODELS.build(copy.deepcopy(cfg.model))
    assert any('is not the checkpoint the teacher cache' in m and 'SHA-256' in m
               for m in logged), logged


@pytest.mark.parametrize('change,match', [
    ('pipeline', r'pipeline differs \(transform 0: RandomCrop: cache padding=1, now padding=2\)'),
    ('seed', 'replay seed'),
    ('num_slots', 'number of augmentation slots')])
def test_the_cache_refuses_another_training_set(tmp_path, teacher_ckpt, change, match):
    cache_dir = tmp_path / 'cache'
    build(cache_config(tmp_path / 'w', teacher_ckpt, cache_dir))
    kwargs = dict(pipeline=[dict(PIPELINE[0], padding=2)] + PIPELINE[1:]) \
        if change == 'pipeline' else {'seed': 1} if change == 'seed' else {'num_slots': 3}
    runner = Runner.from_cfg(cache_config(tmp_path / 'w2', teacher_ckpt, cache_dir, **kwargs))
    with pytest.raises(KDConfigError, match=match):
        runner.train()


def test_a_changed_view_is_caught_by_its_fingerprint(built):
    cfg, _ = built
    prints = np.load(osp.join(cfg.model.teacher_cache.dir, 'fingerprint.npy'), mmap_mode='r+')
    prints[0, 3] += 1
    prints.flush()
    cached = MODELS.build(copy.deepcopy(cfg.model))
    with pytest.raises(RuntimeError, match='sample 3 in slot 0 is not the view'):
        step_losses(cached, first_batch(cfg))


def test_an_interrupted_build_continues_where_it_stopped(built):
    cfg, _ = built
    path = cfg.model.teacher_cache.dir
    before = np.load(osp.join(path, 'logits.npy')).copy()
    written = np.load(osp.join(path, 'written.npy'), mmap_mode='r+')
    logits = np.load(osp.join(path, 'logits.npy'), mmap_mode='r+')
    written[1, 50:] = False
    logits[1, 50:] = 0
    written.flush(), logits.flush()
    meta = json.loads(open(osp.join(path, 'meta.json')).read())
    with open(osp.join(path, 'meta.json'), 'w') as f:
        json.dump(dict(meta, complete=False), f)
    build(cfg)
    assert np.array_equal(np.load(osp.join(path, 'logits.npy')), before)
    assert json.load(open(osp.join(path, 'meta.json')))['complete']


def test_a_cache_built_by_two_processes_equals_one_built_by_one_and_serves_two(
        tmp_path, teacher_ckpt):
    one = tmp_path / 'one'
    cfg = cache_config(tmp_path / 'w', teacher_ckpt, one, topk=4)
    build(cfg)
    two = tmp_path / 'two'
    cfg2 = cache_config(tmp_path / 'w', teacher_ckpt, two, topk=4)
    path = str(tmp_path / 'cfg.py')
    cfg2.dump(path)
    env = dict(os.environ, OMP_NUM_THREADS='1')
    out = subprocess.run(
        [PY, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         f'--master_port={free_port()}', 'tools/build_teacher_cache.py', path,
         '--launcher', 'pytorch', '--batch-size', '7'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.load(open(two / 'meta.json'))['build_processes'] == 2
    for name in ('fingerprint', 'written', 'topk_logp', 'topk_index'):
        a, b = np.load(one / f'{name}.npy'), np.load(two / f'{name}.npy')
        assert np.array_equal(a, b), name

    # and two training processes read the cache one process built
    train_cfg = cache_config(tmp_path / 'w', teacher_ckpt, one, topk=4, epochs=1)
    train_cfg.custom_hooks.append(dict(type='SyncBuffersHook'))
    train_cfg.log_level = 'INFO'
    path = str(tmp_path / 'train_cfg.py')
    train_cfg.dump(path)
    out = subprocess.run(['bash', 'tools/dist_train.sh', path, '2', '--work-dir',
                          str(tmp_path / 'dist')], cwd=ROOT,
                         env=dict(env, PYTHON=PY, PORT=str(free_port())),
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, failure_text(out)
    assert 'distill.loss_kd' in out.stdout + out.stderr
    assert (tmp_path / 'dist' / 'epoch_1.pth').is_file()


def test_a_cached_config_keeps_the_lean_options_its_cache_is_built_with(tmp_path, teacher_ckpt):
    """One config with teacher_lean and teacher_cache: the builder runs the teacher lean, and
    training from that cache accepts the same config (it does not run the teacher)."""
    cfg = cache_config(tmp_path / 'work', teacher_ckpt, tmp_path / 'cache')
    cfg.model.teacher_lean = dict(channels_last=True)
    meta = build(cfg)
    assert meta['complete'] and meta['teacher_lean']['channels_last'] is True
    cached = MODELS.build(copy.deepcopy(cfg.model))
    assert cached.teacher is None and cached.teacher_cache is not None
    losses = step_losses(cached, first_batch(cfg))
    assert set(losses) == {'student.loss', 'distill.loss_kd'}
