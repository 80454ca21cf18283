# FitNets (Romero et al. 2015) as mdistiller runs it on CIFAR-100: hint layer 2 (the end of stage 2,
# backbone.taps.stage2 of the CIFAR zoo), MSE x 100 next to the student's CE x 1. The connector
# (conv-BN-ReLU regressor, sized by the pair: 'auto') is 1x1 where the student's map has the
# teacher's size, a stride-2 4x4 transposed conv where it has half of it (`fitnets_up_distiller`).
_base_ = ['../cifar100_run_240e.py']
stage2_recorders = dict(feat=dict(type='ModuleOutputs', source='backbone.taps.stage2'))
hint_losses = dict(loss_hint=dict(type='L2Loss', loss_weight=100.0))
hint_mappings = dict(
    loss_hint=dict(
        preds_S=dict(recorder='feat', from_student=True, connector='hint'),
        preds_T=dict(recorder='feat', from_student=False)))


def _fitnets(**conv):
    hint = dict(type='ConvModuleConnector', in_channel='auto', out_channel='auto',
                norm_cfg=dict(type='BN'), act_cfg=dict(type='ReLU'), **conv)
    return dict(type='ConfigurableDistiller', input_shape=(3, 32, 32),
                student_recorders=stage2_recorders, teacher_recorders=stage2_recorders,
                connectors=dict(hint=hint), distill_losses=hint_losses,
                loss_forward_mappings=hint_mappings)


fitnets_distiller = _fitnets(kernel_size=1)
fitnets_up_distiller = _fitnets(kernel_size=4, stride=2, padding=1, conv_cfg=dict(type='deconv'))
