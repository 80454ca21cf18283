# Correlation congruence (Peng et al. 2019) as RepDistiller runs it on CIFAR-100: 128-d
# linear embeddings of both networks' pooled features (trained with the student), its form
# of the loss (CCLoss mode='repdistiller'), weight 0.02, next to the student's CE. Pair
# configs name the model pair.
_base_ = ['./cifar_stage_taps.py', '../cifar100_run_240e.py']
cc_losses = dict(loss_cc=dict(type='CCLoss', mode='repdistiller', loss_weight=0.02))
cc_mappings = dict(loss_cc=dict(
    preds_S=dict(recorder='feat', from_student=True, connector='embed_s'),
    preds_T=dict(recorder='feat', from_student=False, connector='embed_t')))
# the whole distiller, the embeddings sized by the pair ('auto')
cc_distiller = dict(
    type='ConfigurableDistiller', input_shape=(3, 32, 32),
    student_recorders=dict(feat={{_base_.pooled}}), teacher_recorders=dict(feat={{_base_.pooled}}),
    connectors=dict(
        embed_s=dict(type='LinearConnector', in_channels='auto', out_channels=128),
        embed_t=dict(type='LinearConnector', in_channels='auto', out_channels=128)),
    distill_losses=cc_losses, loss_forward_mappings=cc_mappings)
