"""SO100-like config: module-qualified names, a RELATIVE key, range(a, b), tuples, dict literals."""
import gr00t.data.types as types
from gr00t.data.types import (ActionConfig, ActionFormat, ActionRepresentation as AR, ActionType,
                              ModalityConfig,)
from gr00t.data.embodiment_tags import EmbodimentTag
h = list(range(0, 16, 1))
keys = ['single_arm', "gripper"]
cfg = {
    "video": ModalityConfig(delta_indices=[0], modality_keys=["front", "wrist"]),
    "state": ModalityConfig([0], keys, None, ['gripper'], None),
    "action": types.ModalityConfig(delta_indices=h, modality_keys=keys, action_configs=[
        ActionConfig(rep=ActionRepresentation.RELATIVE, type=ActionType.NON_EEF, format=ActionFormat.DEFAULT,
                     state_key='single_arm'),
        ActionConfig(ActionRepresentation.ABSOLUTE, ActionType.NON_EEF, ActionFormat.XYZ_ROT6D),
    ]),
    'language': ModalityConfig(delta_indices=[0], modality_keys=['annotation.human.task_description'],),
}
register_modality_config(cfg, embodiment_tag=EmbodimentTag.NEW_EMBODIMENT)
register_modality_config(config=cfg, embodiment_tag=EmbodimentTag.GR1)  # x = -1 \
