# Correlation congruence (Peng et al. 2019) as RepDistiller runs it on CIFAR-100: 128-d
# linear embeddings of both networks' pooled features (trained with the student), its form
# of the loss (CCLoss mode='repdistiller'), weight 0.02, next to the student's CE. Pair
# configs size the embeddings.
_base_ = ['./cifar_stage_taps.py']
cc_losses = dict(loss_cc=dict(type='CCLoss', mode='repdistiller', loss_weight=0.02))
cc_mappings = dict(loss_cc=dict(
    preds_S=dict(recorder='feat', from_student=True, connector='embed_s'),
    preds_T=dict(recorder='feat', from_student=False, connector='embed_t')))
