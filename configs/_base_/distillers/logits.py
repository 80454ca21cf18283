# Recorders of the classifier logits (mmpretrain heads keep their final layer in head.fc) and the
# mapping that feeds them to a loss as preds_S / preds_T.
logits_recorders = dict(logits=dict(type='ModuleOutputs', source='head.fc'))
logits_mapping = dict(
    preds_S=dict(recorder='logits', from_student=True),
    preds_T=dict(recorder='logits', from_student=False))

# The distiller every logit-based method starts from; method files add their loss and mapping.
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders=logits_recorders,
    teacher_recorders=logits_recorders)
