# VID (setting in configs/_base_/distillers/vid_cifar.py) on every stage of wrn_40_2 (32x32x32,
# 64x16x16, 128x8x8) -> wrn_40_1 (16x32x32, 32x16x16, 64x8x8): one VIDLoss per stage, its
# regressor student -> teacher channels (mid = teacher's).
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_40_1.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/vid_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.taps3}},
        teacher_recorders={{_base_.taps3}},
        distill_losses=dict(
            loss_vid1=dict(type='VIDLoss', in_channels=16, mid_channels=32,
                            out_channels=32, init_pred_var=5.0, loss_weight=1.0),
            loss_vid2=dict(type='VIDLoss', in_channels=32, mid_channels=64,
                            out_channels=64, init_pred_var=5.0, loss_weight=1.0),
            loss_vid3=dict(type='VIDLoss', in_channels=64, mid_channels=128,
                            out_channels=128, init_pred_var=5.0, loss_weight=1.0)),
        loss_forward_mappings={{_base_.vid_mappings3}}))
