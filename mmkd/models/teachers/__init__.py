"""Teachers: one object per model an algorithm records from besides the student (a frozen,
trainable, EMA or cached teacher; a peer), and how each is loaded, run lean and cached."""
from .teacher import POLICIES, TEACHER_KEYS, Teacher, nested_keys, teachers_as_modules

__all__ = ['POLICIES', 'TEACHER_KEYS', 'Teacher', 'nested_keys', 'teachers_as_modules']
