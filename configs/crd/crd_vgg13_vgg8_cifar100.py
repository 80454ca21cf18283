# CRD (setting in configs/_base_/distillers/crd_cifar.py) on the pooled features of vgg13 (512) ->
# vgg8 (512); the training set wrapped in SampleIndexDataset.
_base_ = ['../_base_/models/cifar_kd/vgg13_vgg8.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/crd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.pooled}}),
        teacher_recorders=dict(feat={{_base_.pooled}}),
        distill_losses=dict(
            loss_crd=dict(type='CRDLoss', student_channels=512, teacher_channels=512,
                          num_samples=50000, feat_dim=128, num_negatives=16384,
                          tau=0.07, momentum=0.5, loss_weight=0.8)),
        loss_forward_mappings=dict(loss_crd={{_base_.feat_mapping}})))
train_dataloader = dict(
    persistent_workers=True,
    dataset=dict(_delete_=True, type='SampleIndexDataset', num_negatives=16384,
                 negatives='other_classes', dataset={{_base_.train_dataset}}))
