from mmengine.config import Config

from mmkd.analysis.scripted_runs import scripted_run_config


def test_scripted_run_config_shortens_schedules_and_keeps_the_original():
    cfg = Config(dict(
        train_cfg=dict(by_epoch=True, max_epochs=240, val_interval=1),
        param_scheduler=[dict(type='LinearLR', end=5),
                         dict(type='CosineAnnealingLR', T_max=240, by_epoch=True)],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        randomness=dict(seed=0)))
    out = scripted_run_config(cfg, '/tmp/w', seed=3, epochs=8)
    assert out.work_dir == '/tmp/w' and out.randomness.seed == 3
    assert out.train_cfg.max_epochs == 8 and out.train_cfg.val_interval == 8
    assert out.param_scheduler[1].T_max == 8 and 'T_max' not in out.param_scheduler[0]
    assert out.default_hooks.checkpoint.interval == 8
    assert cfg.train_cfg.max_epochs == 240 and cfg.param_scheduler[1].T_max == 240

    kept = scripted_run_config(cfg, '/tmp/w', seed=0, val_interval=1, log_level='ERROR')
    assert kept.train_cfg.max_epochs == 240 and kept.train_cfg.val_interval == 1
    assert kept.log_level == 'ERROR' and kept.default_hooks.checkpoint.interval == 240


def test_runs_of_one_process_started_in_the_same_second_keep_their_own_logs(tmp_path,
                                                                           monkeypatch):
    import glob
    import os.path as osp
    import time
    from helpers import digits_kd_config, STUDENT, PREPROCESSOR
    from mmkd.analysis.scripted_runs import scripted_runner
    # every runner of this test gets the same timestamp, as two runs started in one second
    real = time.strftime
    monkeypatch.setattr(time, 'strftime', lambda fmt, *a: real(fmt, time.localtime(0)))
    cfg = digits_kd_config(tmp_path / 'unused', None, epochs=1)
    cfg.model = dict(STUDENT, data_preprocessor=PREPROCESSOR)
    for seed in (0, 1):
        scripted_runner(scripted_run_config(cfg, str(tmp_path / f'seed{seed}'), seed)).train()
    for seed in (0, 1):
        scalars = glob.glob(osp.join(str(tmp_path), f'seed{seed}', '*', 'vis_data',
                                     'scalars.json'))
        assert len(scalars) == 1 and 'accuracy/top1' in open(scalars[0]).read(), seed
