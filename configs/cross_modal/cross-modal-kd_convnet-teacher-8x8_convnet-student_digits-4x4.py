# Cross-resolution KD on the digits: the ordinary digits teacher (configs/demo/
# teacher_convnet_digits.py, trained on 8x8) reads each training image at 8x8, the student the
# same image averaged down to 4x4; vanilla KD's loss (tau 4, 0.9 KD + 0.1 CE). The student is
# validated and tested on 4x4 only: it is what it will read once deployed.
_base_ = ['./kd_convnet-teacher-4x4_convnet-student_digits-4x4.py']
model = dict(
    # the ordinary digits teacher (trained on 8x8), not the 4x4 one
    teacher_ckpt='work_dirs/teacher_convnet_digits/epoch_40.pth',
    # each model's view of a training batch (MultiViewDataset.views below)
    views=dict(teacher='clean', student='degraded'),
    data_preprocessor=dict(type='MultiViewDataPreprocessor',
                           preprocessor={{_base_.data_preprocessor}}))
train_dataloader = dict(dataset=dict(
    _delete_=True, type='MultiViewDataset',
    # the shift is drawn once per sample, before the views: both models see the same crop
    dataset=dict(type='DigitsDataset', split='train',
                 pipeline=[dict(type='mmpretrain.RandomCrop', crop_size=8, padding=1)]),
    views=dict(clean=[dict(type='mmpretrain.PackInputs')],
               degraded=[{{_base_.downsample}}, dict(type='mmpretrain.PackInputs')])))
