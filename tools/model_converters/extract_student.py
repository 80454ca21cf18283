"""Write the student of a distillation checkpoint as a plain mmpretrain model:
``python tools/model_converters/extract_student.py KD_CKPT OUT_CKPT [--config KD_CONFIG
--out-config STUDENT_CONFIG]``. The same command as ``mmkd-extract-student``; see
``mmkd/cli/extract_student.py``."""
from mmkd.cli.extract_student import cli

if __name__ == '__main__':
    cli()
