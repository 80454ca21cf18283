# AB (setting in configs/_base_/distillers/ab_cifar.py): pre-ReLU maps of every stage of
# resnet32x4 (64x32x32, 128x16x16, 256x8x8) -> shufflev2 (116x16x16, 232x8x8, 464x4x4); conv-BN
# regressors to the teacher's shapes. 30 initialisation epochs (AB loss alone), then 240 epochs of
# CE.
_base_ = ['../_base_/models/cifar_kd/resnet32x4_shufflev2.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ab_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps3}},
        teacher_recorders={{_base_.pre_taps3}},
        connectors=dict(
            ab1=dict(type='HintRegressor', in_channels=116, out_channels=64,
                     in_size=16, out_size=32, use_relu=False),
            ab2=dict(type='HintRegressor', in_channels=232, out_channels=128,
                     in_size=8, out_size=16, use_relu=False),
            ab3=dict(type='HintRegressor', in_channels=464, out_channels=256,
                     in_size=4, out_size=8, use_relu=False)),
        distill_losses={{_base_.ab_losses3}},
        loss_forward_mappings={{_base_.ab_mappings3}}))
custom_hooks = {{_base_.ab_hooks}}
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
