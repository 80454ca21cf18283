# FSECD (setting in configs/_base_/distillers/fsecd_cifar.py): the pooled features of vgg13 (512)
# -> mobilenetv2 (1280), the student's through a linear projector into the teacher's feature
# space.
_base_ = ['../_base_/models/cifar_kd/vgg13_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/fsecd_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.pooled}}),
        teacher_recorders=dict(feat={{_base_.pooled}}),
        connectors=dict(proj=dict(type='LinearConnector', in_channels=1280, out_channels=512)),
        distill_losses={{_base_.fsecd_losses}},
        loss_forward_mappings={{_base_.fsecd_mappings}}))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
