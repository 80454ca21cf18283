# AB (setting in configs/_base_/distillers/ab_cifar.py): pre-ReLU maps of every stage of wrn_40_2
# (32x32x32, 64x16x16, 128x8x8) -> wrn_40_1 (16x32x32, 32x16x16, 64x8x8); conv-BN regressors to
# the teacher's shapes. 30 initialisation epochs (AB loss alone), then 240 epochs of CE.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ab_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps3}},
        teacher_recorders={{_base_.pre_taps3}},
        connectors=dict(
            ab1=dict(type='HintRegressor', in_channels=16, out_channels=32,
                     in_size=32, out_size=32, use_relu=False),
            ab2=dict(type='HintRegressor', in_channels=32, out_channels=64,
                     in_size=16, out_size=16, use_relu=False),
            ab3=dict(type='HintRegressor', in_channels=64, out_channels=128,
                     in_size=8, out_size=8, use_relu=False)),
        distill_losses={{_base_.ab_losses3}},
        loss_forward_mappings={{_base_.ab_mappings3}}))
custom_hooks = {{_base_.ab_hooks}}
