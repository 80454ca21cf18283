# DFAD (Fang et al., 2019) on the shipped digits: the generator maximises the mean absolute
# difference of the teacher's and the student's logits, the student minimises it, five student
# updates for one of the generator (DFAD's loop, MMRazor's student_iter=5). The generator's
# inner BatchNorms use PyTorch's eps (DFAD's GeneratorA). See README.md.
_base_ = ['../_base_/digits_data_free_run.py', '../_base_/distillers/logits.py']
model = dict(
    student_steps=5,
    student_first=True,
    generator=dict(bn_eps=1e-5),
    distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.logits_recorders}},
        teacher_recorders={{_base_.logits_recorders}},
        distill_losses=dict(loss_l1=dict(type='L1Loss', loss_weight=1.0)),
        loss_forward_mappings=dict(loss_l1={{_base_.logits_mapping}})),
    generator_distiller=dict(
        type='ConfigurableDistiller',
        student_recorders={{_base_.logits_recorders}},
        teacher_recorders={{_base_.logits_recorders}},
        distill_losses=dict(
            loss_adv=dict(type='L1Loss', loss_weight=-1.0, teacher_detach=False)),
        loss_forward_mappings=dict(loss_adv={{_base_.logits_mapping}})))
# DFAD's MNIST optimizers: SGD for the student, Adam for the generator.
optim_wrapper = dict(
    architecture=dict(
        optimizer=dict(_delete_=True, type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)))
