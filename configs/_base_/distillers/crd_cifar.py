# CRD (Tian et al. 2020) as RepDistiller runs it on CIFAR-100: the pooled features, 128-d
# embeddings, 16384 negatives of other classes per sample (drawn by SampleIndexDataset, its
# "exact" sampling), tau 0.07, momentum 0.5, weight 0.8, next to the student's CE. Pair
# configs name the model pair.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_240e.py']
# the whole distiller, the embedding heads sized by the pair ('auto')
crd_distiller = dict(
    type='ConfigurableDistiller', input_shape=(3, 32, 32),
    student_recorders=dict(feat={{_base_.pooled}}), teacher_recorders=dict(feat={{_base_.pooled}}),
    distill_losses=dict(
        loss_crd=dict(type='CRDLoss', student_channels='auto', teacher_channels='auto',
                      num_samples=50000, feat_dim=128, num_negatives=16384, tau=0.07,
                      momentum=0.5, loss_weight=0.8)),
    loss_forward_mappings=dict(loss_crd={{_base_.feat_mapping}}))
train_dataloader = dict(
    persistent_workers=True,
    dataset=dict(_delete_=True, type='SampleIndexDataset', num_negatives=16384,
                 negatives='other_classes', dataset={{_base_.train_dataset}}))
