# As kd_cached-teacher_digits.py, with the teacher's full logits cached (float16) instead of
# its top-5 probabilities: any response loss can read them, and KD at tau 4 gets the
# teacher's whole tempered distribution.
#   python tools/build_teacher_cache.py configs/teacher_cache/kd_cached-teacher-full-logits_digits.py
_base_ = ['./kd_cached-teacher_digits.py']
model = dict(teacher_cache=dict(_delete_=True, dir='work_dirs/teacher_cache/digits_convnet_full',
                                full_logits=True))
