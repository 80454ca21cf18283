# CC (setting in configs/_base_/distillers/cc_cifar.py) on the pooled features of resnet50 (2048)
# -> mobilenetv2 (1280), each through a 128-d linear embedding.
_base_ = ['../_base_/models/cifar_kd/resnet50_mobilenetv2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/cc_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.pooled}}),
        teacher_recorders=dict(feat={{_base_.pooled}}),
        connectors=dict(
            embed_s=dict(type='LinearConnector', in_channels=1280, out_channels=128),
            embed_t=dict(type='LinearConnector', in_channels=2048, out_channels=128)),
        distill_losses={{_base_.cc_losses}},
        loss_forward_mappings={{_base_.cc_mappings}}))
optim_wrapper = dict(optimizer=dict(lr=0.01))  # lighter students, as benchmarked
