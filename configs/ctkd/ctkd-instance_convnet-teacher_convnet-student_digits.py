# CTKD with one temperature per sample on the digits CNNs: the global config's KD, range and
# curriculum, the temperature predicted for each image by CurriculumTemperature's MLP on the
# teacher's and the student's class probabilities (10 digits).
_base_ = ['./ctkd_convnet-teacher_convnet-student_digits.py']
model = dict(distiller=dict(distill_losses=dict(loss_kd=dict(
    tau=dict(instance=True, num_classes=10)))))
