# MLKD's reference recipe on resnet32x4 -> resnet8x4 (Jin-Ying/Multi-Level-Logit-Distillation,
# configs/cifar100/ours/res32x4_res8x4.yaml and its "ours" trainer): a weak view (crop + flip)
# and a strong one (the same + RandAugment, 2 operations at magnitude 10) of every image, both
# models on both views, MLKDLoss(views=2), the student's CE on both views; SGD lr 0.025, 240
# epochs. Not comparable with the one-view configs: stronger augmentation, twice the images.
_base_ = ['./mlkd_resnet32x4_resnet8x4_cifar100.py']
_weak = [dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
         dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal')]
model = dict(
    data_preprocessor=dict(type='MultiViewDataPreprocessor',
                           preprocessor={{_base_.data_preprocessor}}, stack=['weak', 'strong']),
    distiller=dict(distill_losses=dict(loss_mlkd=dict(views=2))))
train_dataloader = dict(dataset=dict(
    _delete_=True, type='MultiViewDataset',
    dataset=dict(type={{_base_.dataset_type}}, data_root='data/cifar100', split='train',
                 pipeline=[]),
    views=dict(
        weak=_weak + [dict(type='mmpretrain.PackInputs')],
        strong=_weak + [dict(type='mmpretrain.RandAugment', policies='timm_increasing',
                             num_policies=2, total_level=10, magnitude_level=10,
                             hparams=dict(pad_val=[104, 116, 124])),
                        dict(type='mmpretrain.PackInputs')])))
optim_wrapper = dict(optimizer=dict(lr=0.025))
