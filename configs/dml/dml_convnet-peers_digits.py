# Deep mutual learning (Zhang et al. 2018) on the digits: two CNN 8-16 peers trained together
# from scratch, each with its CE and the KL divergence towards the other's detached
# prediction (temperature 1, weight 1 = 1/(K-1) for K = 2 peers), as the paper. Validation
# also reports the second peer (peer2/accuracy/top1); either peer can be exported
# (tools/model_converters/extract_student.py --model peer2).
_base_ = [
    '../_base_/models/digits/convnets.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/digits_40e.py', '../_base_/default_runtime.py',
    '../_base_/distillers/logits.py'
]
model = dict(
    type='MutualLearning',
    architecture={{_base_.student_model}},
    peers=dict(peer2=dict(model={{_base_.student_model}})),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.logits_recorders}},
        recorders=dict(peer2={{_base_.logits_recorders}}),
        distill_losses=dict(
            loss_kl_student=dict(type='KLDivergence', tau=1.0, loss_weight=1.0),
            loss_kl_peer2=dict(type='KLDivergence', tau=1.0, loss_weight=1.0)),
        loss_forward_mappings=dict(
            loss_kl_student=dict(preds_S=dict(recorder='logits', source='student'),
                                 preds_T=dict(recorder='logits', source='peer2')),
            loss_kl_peer2=dict(preds_S=dict(recorder='logits', source='peer2'),
                               preds_T=dict(recorder='logits', source='student')))))
val_cfg = dict(type='DistillValLoop', models=['peer2'])
