# Variational information distillation (Ahn et al. 2019) as RepDistiller runs it on CIFAR-100:
# one VIDLoss per stage (regressor student -> teacher -> teacher channels, initial variance 5,
# eps 1e-5), weight 1 each, next to the student's CE. The regressors are
# sized by the pair ('auto'); the mappings (`vid_mappings{n}`) are in cifar_stage_taps.py.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_240e.py']


def _vid(n):
    return {f'loss_vid{i}': dict(type='VIDLoss', in_channels='auto', mid_channels='auto',
                                 out_channels='auto', init_pred_var=5.0, loss_weight=1.0)
            for i in range(1, n + 1)}


# the whole distiller for networks of 3 stages and of 4, the regressors sized by the pair
vid_distiller3, vid_distiller4 = [
    dict(type='ConfigurableDistiller', input_shape=(3, 32, 32), student_recorders=taps,
         teacher_recorders=taps, distill_losses=_vid(n), loss_forward_mappings=mappings)
    for n, taps, mappings in ((3, {{_base_.taps3}}, {{_base_.vid_mappings3}}),
                              (4, {{_base_.taps4}}, {{_base_.vid_mappings4}}))]
