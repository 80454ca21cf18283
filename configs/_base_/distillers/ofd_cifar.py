# Overhaul of feature distillation (Heo et al. 2019) as mdistiller runs it on CIFAR-100: the
# pre-ReLU maps of every stage; the student's through conv1x1-BN to the teacher's channels, the
# teacher's (average-pooled to the student's size where larger) raised to the per-channel margin
# of the BN before its ReLU; the partial L2 summed and divided by the batch, stage i of n
# weighted 1e-3 / 2^(n-i); the teacher's BN layers in train mode (model.teacher_norm_train), as
# mdistiller keeps its teacher in train mode. Pair configs name the model pair.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_240e.py']


def _ofd(n):
    # mdistiller: stage i of n weighted 1 / 2^(n-i), times FEAT_WEIGHT 1e-3
    return {f'loss_ofd{i}': dict(type='OFDLoss', loss_weight=0.001 / 2**(n - i))
            for i in range(1, n + 1)}



def _ofd_distiller(taps, mappings, n, proj):
    connectors = {}
    for i in range(1, n + 1):
        connectors[f'proj{i}'] = proj
        connectors[f'margin{i}'] = dict(type='OFDTeacherConnector', bn='auto', channels='auto',
                                        output_size='auto')
    return dict(type='ConfigurableDistiller', input_shape=(3, 32, 32), student_recorders=taps,
                teacher_recorders=taps, connectors=connectors, distill_losses=_ofd(n),
                loss_forward_mappings=mappings)


# the whole distiller for networks of 3 stages and of 4, its widths, sizes and BN layers read
# from the pair ('auto'); a pair config names the one for its networks (with
# model.teacher_norm_train=True)
ofd_distiller3 = _ofd_distiller({{_base_.pre_taps3}}, {{_base_.ofd_mappings3}}, 3,
                                {{_base_.proj_to_teacher}})
ofd_distiller4 = _ofd_distiller({{_base_.pre_taps4}}, {{_base_.ofd_mappings4}}, 4,
                                {{_base_.proj_to_teacher}})
