# configs/_base_/digits_feature_kd.py with the pre-ReLU last-stage records (the BN of each
# stage's last block) and the conv-BN connector `proj` from the student's 16 channels to the
# teacher's 128: what AB, OFD and CWD distil.
_base_ = ['./digits_feature_kd.py']
model = dict(
    distiller=dict(
        student_recorders={{_base_.student_stage2_pre}},
        teacher_recorders={{_base_.teacher_stage2_pre}},
        connectors=dict(proj={{_base_.to_teacher}})))
