# KD-pt+sim (Tang et al. 2020): the teacher's true-class probability, the rest shared by class
# similarity from the teacher's logit-layer weight rows.
_base_ = ['./logits.py']
student_loss_weight = 0.1
# the student's own loss at that weight, as a pair config's model.architecture override
student_head = dict(head=dict(loss=dict(loss_weight=student_loss_weight)))
distiller = dict(
    type='ConfigurableDistiller',
    student_recorders={{_base_.logits_recorders}},
    teacher_recorders=dict(
        logits=dict(type='ModuleOutputs', source='head.fc'),
        fc_weight=dict(type='Parameter', source='head.fc.weight')),
    distill_losses=dict(
        loss_kd_pt_sim=dict(type='KDPartialPTSim', tau=4.0, sim_tau=0.5, loss_weight=0.9)),
    loss_forward_mappings=dict(
        loss_kd_pt_sim=dict(
            preds_S=dict(recorder='logits', from_student=True),
            preds_T=dict(recorder='logits', from_student=False),
            weight_T=dict(recorder='fc_weight', from_student=False))))
