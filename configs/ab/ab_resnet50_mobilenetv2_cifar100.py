# AB (setting in configs/_base_/distillers/ab_cifar.py): pre-ReLU maps of every stage of resnet50
# (256x32x32, 512x16x16, 1024x8x8, 2048x4x4) -> mobilenetv2 (12x16x16, 16x8x8, 48x4x4, 160x2x2);
# conv-BN regressors to the teacher's shapes. 30 initialisation epochs (AB loss alone), then 240
# epochs of CE.
_base_ = ['../_base_/models/cifar_kd/resnet50_mobilenetv2.py',
          '../_base_/cifar100_run_init30_240e.py', '../_base_/distillers/ab_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.pre_taps4}},
        teacher_recorders={{_base_.pre_taps4}},
        connectors=dict(
            ab1=dict(type='HintRegressor', in_channels=12, out_channels=256,
                     in_size=16, out_size=32, use_relu=False),
            ab2=dict(type='HintRegressor', in_channels=16, out_channels=512,
                     in_size=8, out_size=16, use_relu=False),
            ab3=dict(type='HintRegressor', in_channels=48, out_channels=1024,
                     in_size=4, out_size=8, use_relu=False),
            ab4=dict(type='HintRegressor', in_channels=160, out_channels=2048,
                     in_size=2, out_size=4, use_relu=False)),
        distill_losses={{_base_.ab_losses4}},
        loss_forward_mappings={{_base_.ab_mappings4}}))
custom_hooks = {{_base_.ab_hooks}}
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
