# MLKD's two-view recipe on the digits CNNs: every image in a weak view (the digits crop) and a
# strong one (a wider shift: mmcv's RandAugment and RandomErasing need 3-channel images), both
# models on both views stacked into one batch, MLKDLoss(views=2), the student's CE on both views.
_base_ = ['./mlkd_convnet-teacher_convnet-student_digits.py']
model = dict(
    data_preprocessor=dict(type='MultiViewDataPreprocessor',
                           preprocessor={{_base_.data_preprocessor}}, stack=['weak', 'strong']),
    distiller=dict(distill_losses=dict(loss_mlkd=dict(views=2))))
train_dataloader = dict(dataset=dict(
    _delete_=True, type='MultiViewDataset',
    dataset=dict(type='DigitsDataset', split='train', pipeline=[]),
    views=dict(
        weak=[dict(type='mmpretrain.RandomCrop', crop_size=8, padding=1),
              dict(type='mmpretrain.PackInputs')],
        strong=[dict(type='mmpretrain.RandomCrop', crop_size=8, padding=2),
                dict(type='mmpretrain.PackInputs')])))
