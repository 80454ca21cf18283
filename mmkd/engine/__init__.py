from .hooks import *  # noqa: F401,F403
from .loss_weight_schedules import *  # noqa: F401,F403
from .optimizers import *  # noqa: F401,F403
from .runner import *  # noqa: F401,F403
