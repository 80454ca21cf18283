# KD-sim (Tang et al. 2020): domain knowledge only, from the class similarity of the teacher's
# logit-layer weight rows (a Parameter recorder); the teacher's forward pass is skipped.
_base_ = ['./logits.py']
student_loss_weight = 0.1
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders={{_base_.logits_recorders}},
    teacher_recorders=dict(_delete_=True, fc_weight=dict(type='Parameter', source='head.fc.weight')),
    distill_losses=dict(loss_kd_sim=dict(type='KDPartialSim', tau=4.0, sim_tau=0.5, loss_weight=0.9)),
    loss_forward_mappings=dict(
        loss_kd_sim=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='fc_weight', from_student=False))))
