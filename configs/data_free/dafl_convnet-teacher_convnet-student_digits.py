# DAFL (Chen et al., ICCV 2019) on the shipped digits: the generator learns images the teacher
# classifies confidently (one-hot), evenly over the classes (information entropy) and with
# strong features (activation); the student distils the teacher on them (KD at tau 1, as
# DAFL's kdloss). Weights: DAFL's MNIST settings (oh 1, ie 5, a 0.1). See README.md.
_base_ = ['../_base_/digits_data_free_run.py', '../_base_/distillers/logits.py']
model = dict(
    shared_batch=True,
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.logits_recorders}},
        teacher_recorders={{_base_.logits_recorders}},
        distill_losses=dict(loss_kd=dict(type='KLDivergence', tau=1.0, loss_weight=1.0)),
        loss_forward_mappings=dict(loss_kd={{_base_.logits_mapping}})),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        teacher_recorders=dict(logits=dict(type='ModuleOutputs', source='head.fc'),
                               feat=dict(type='ModuleInputs', source='head.fc')),
        distill_losses=dict(
            loss_oh=dict(type='OnehotLikeLoss', loss_weight=1.0),
            loss_ie=dict(type='InformationEntropyLoss', loss_weight=5.0),
            loss_a=dict(type='ActivationLoss', loss_weight=0.1)),
        loss_forward_mappings=dict(
            loss_oh=dict(preds_T=dict(from_student=False, recorder='logits')),
            loss_ie=dict(preds_T=dict(from_student=False, recorder='logits')),
            loss_a=dict(feat_T=dict(from_student=False, recorder='feat')))))
