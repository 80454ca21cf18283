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
