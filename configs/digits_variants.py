# Controls and sweeps on the shipped digits: each is a config of this folder with a few keys
# changed. The benchmark harness runs them beside the configs themselves
# (`tools/analysis/benchmark_methods.py run --variants configs/digits_variants.py`), so their
# numbers come from the same runs and the same file (docs/results/digits.json) as every other
# published digits number. name -> dict(config=<path under configs/>, options=<cfg-options>).
variants = {
    # the feature methods' CIFAR weights on 4x4 maps, and a cut weight (docs/results_digits.md)
    'at-beta50_convnet-teacher_convnet-student_digits': dict(
        config='at/at_convnet-teacher_convnet-student_digits.py',
        options={'model.distiller.distill_losses.loss_at.loss_weight': 50.0}),
    'nst-weight5_convnet-teacher_convnet-student_digits': dict(
        config='nst/nst_convnet-teacher_convnet-student_digits.py',
        options={'model.distiller.distill_losses.loss_nst.loss_weight': 5.0}),
    'ft-beta20_convnet-teacher_convnet-student_digits': dict(
        config='ft/ft_convnet-teacher_convnet-student_digits.py',
        options={'model.distiller.distill_losses.loss_ft.loss_weight': 20.0}),
    'ofd-teacher-bn-eval_convnet-teacher_convnet-student_digits': dict(
        config='ofd/ofd_convnet-teacher_convnet-student_digits.py',
        options={'model.teacher_norm_train': False}),
    # KD on the 45-epoch schedule of the two-stage FitNets config (its control)
    'kd-45e_convnet-teacher_convnet-student_digits': dict(
        config='kd/kd_convnet-teacher_convnet-student_digits.py',
        options={'train_cfg.max_epochs': 45, 'param_scheduler.T_max': 45}),
    # DIST: the paper's setting without the gradient clipping of the digits config, and two
    # other ways out (configs/dist/README.md)
    'dist-unclipped_convnet-teacher_convnet-student_digits': dict(
        config='dist/dist_convnet-teacher_convnet-student_digits.py',
        options={'optim_wrapper.clip_grad': None}),
    'dist-unclipped-weight0.25_convnet-teacher_convnet-student_digits': dict(
        config='dist/dist_convnet-teacher_convnet-student_digits.py',
        options={'optim_wrapper.clip_grad': None,
                 'model.distiller.distill_losses.loss_dist.loss_weight': 0.25}),
    'dist-unclipped-tau1_convnet-teacher_convnet-student_digits': dict(
        config='dist/dist_convnet-teacher_convnet-student_digits.py',
        options={'optim_wrapper.clip_grad': None,
                 'model.distiller.distill_losses.loss_dist.tau': 1.0}),
    # mean teacher with a strong pull towards its own average (configs/mean_teacher/README.md)
    'mean_teacher-kd1_convnet-student_digits': dict(
        config='mean_teacher/mean_teacher_kd_convnet-student_digits.py',
        options={'model.distiller.distill_losses.loss_kd.loss_weight': 1.0}),
    'mean_teacher-kd1-m0.9_convnet-student_digits': dict(
        config='mean_teacher/mean_teacher_kd_convnet-student_digits.py',
        options={'model.distiller.distill_losses.loss_kd.loss_weight': 1.0,
                 'model.teacher_ema_momentum': 0.9}),
    'mean_teacher-kd1-m0.999_convnet-student_digits': dict(
        config='mean_teacher/mean_teacher_kd_convnet-student_digits.py',
        options={'model.distiller.distill_losses.loss_kd.loss_weight': 1.0,
                 'model.teacher_ema_momentum': 0.999}),
    # the in-batch contrastive loss's temperature and projector (configs/fsecd/README.md)
    **{f'fsecd-{name}_convnet-teacher_convnet-student_digits': dict(
        config='fsecd/fsecd_convnet-teacher_convnet-student_digits.py', options=options)
       for name, options in (
           ('tau0.05', {'model.distiller.distill_losses.loss_fsecd.tau': 0.05}),
           ('tau0.5', {'model.distiller.distill_losses.loss_fsecd.tau': 0.5}),
           ('mlp-tau0.05', {'model.distiller.distill_losses.loss_fsecd.tau': 0.05,
                            'model.distiller.connectors.proj.hidden_channels': 128}),
           ('mlp', {'model.distiller.connectors.proj.hidden_channels': 128}),
           ('mlp-tau0.5', {'model.distiller.distill_losses.loss_fsecd.tau': 0.5,
                           'model.distiller.connectors.proj.hidden_channels': 128}),
           ('symmetric', {'model.distiller.distill_losses.loss_fsecd.symmetric': True}),
           ('same-class', {'model.distiller.distill_losses.loss_fsecd.same_class_positives':
                           True}))},
    # the ViT student of configs/cross_arch: alone (CE x 1), and with KD on the logits only
    'vit-alone_digits': dict(
        config='cross_arch/vit-student_convnet-teacher_digits.py',
        options={'model.architecture.head.loss.loss_weight': 1.0,
                 'model.distiller.distill_losses.loss_kd.loss_weight': 0.0,
                 'model.distiller.distill_losses.loss_hint.loss_weight': 0.0}),
    'vit-student-kd-only_convnet-teacher_digits': dict(
        config='cross_arch/vit-student_convnet-teacher_digits.py',
        options={'model.distiller.distill_losses.loss_hint.loss_weight': 0.0}),
}
