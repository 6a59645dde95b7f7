# GR00T N1.6 modality config for the Franka MCX card block insertion dataset, in the shape of the
# seed's scripts/groot_finetune/franka_mcx_config.py (Isaac-GR00T's examples/*/..._config.py form).
# Isaac-GR00T imports it (--modality-config-path); groot reads the same file without running Python
# (src/data/modality_py.h). It is the twin of franka_mcx.yaml (tests check both give one config).
from gr00t.configs.data.embodiment_configs import register_modality_config
from gr00t.data.embodiment_tags import EmbodimentTag
from gr00t.data.types import (
    ActionConfig,
    ActionFormat,
    ActionRepresentation,
    ActionType,
    ModalityConfig,
)

franka_mcx_config = {
    "video": ModalityConfig(
        delta_indices=[0],
        modality_keys=["wrist", "table"],
    ),
    "state": ModalityConfig(
        delta_indices=[0],
        modality_keys=[
            "eef_pos",
            "eef_quat",
            "gripper",
        ],
    ),
    "action": ModalityConfig(
        delta_indices=list(range(16)),  # a 16-step action chunk
        modality_keys=["arm", "gripper"],
        # The arm actions are already deltas in the data, so no relative conversion: both ABSOLUTE.
        action_configs=[
            ActionConfig(
                rep=ActionRepresentation.ABSOLUTE,
                type=ActionType.NON_EEF,
                format=ActionFormat.DEFAULT,
            ),
            ActionConfig(
                rep=ActionRepresentation.ABSOLUTE,
                type=ActionType.NON_EEF,
                format=ActionFormat.DEFAULT,
            ),
        ],
    ),
    "language": ModalityConfig(
        delta_indices=[0],
        modality_keys=["annotation.human.task_description"],
    ),
}

register_modality_config(franka_mcx_config, embodiment_tag=EmbodimentTag.NEW_EMBODIMENT)
