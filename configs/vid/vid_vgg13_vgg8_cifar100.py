# VID (setting in configs/_base_/distillers/vid_cifar.py) on every stage of vgg13 (128x16x16,
# 256x8x8, 512x4x4, 512x4x4) -> vgg8 (128x16x16, 256x8x8, 512x4x4, 512x4x4): one VIDLoss per
# stage, its regressor student -> teacher channels (mid = teacher's).
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/vid_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.taps4}},
        teacher_recorders={{_base_.taps4}},
        distill_losses=dict(
            loss_vid1=dict(type='VIDLoss', in_channels=128, mid_channels=128,
                            out_channels=128, init_pred_var=5.0, loss_weight=1.0),
            loss_vid2=dict(type='VIDLoss', in_channels=256, mid_channels=256,
                            out_channels=256, init_pred_var=5.0, loss_weight=1.0),
            loss_vid3=dict(type='VIDLoss', in_channels=512, mid_channels=512,
                            out_channels=512, init_pred_var=5.0, loss_weight=1.0),
            loss_vid4=dict(type='VIDLoss', in_channels=512, mid_channels=512,
                            out_channels=512, init_pred_var=5.0, loss_weight=1.0)),
        loss_forward_mappings={{_base_.vid_mappings4}}))
