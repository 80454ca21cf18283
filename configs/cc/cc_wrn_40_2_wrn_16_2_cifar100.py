# CC (setting in configs/_base_/distillers/cc_cifar.py) on the pooled features of wrn_40_2 (128)
# -> wrn_16_2 (128), each through a 128-d linear embedding.
_base_ = ['../_base_/models/cifar_kd/wrn_40_2_wrn_16_2.py',
          '../_base_/cifar100_run_240e.py', '../_base_/distillers/cc_cifar.py']
model = dict(
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders=dict(feat={{_base_.pooled}}),
        teacher_recorders=dict(feat={{_base_.pooled}}),
        connectors=dict(
            embed_s=dict(type='LinearConnector', in_channels=128, out_channels=128),
            embed_t=dict(type='LinearConnector', in_channels=128, out_channels=128)),
        distill_losses={{_base_.cc_losses}},
        loss_forward_mappings={{_base_.cc_mappings}}))
