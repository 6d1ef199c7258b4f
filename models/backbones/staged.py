"""What every backbone shares: named stages run in order, their channel counts and IEN channel groups, and the
stage outputs handed to the Siamese heads (the interface ``models/backbones/__init__.py`` describes)."""
import torch.nn as nn

from models.channels import GroupsConfig, stage_groups


class StagedBackbone(nn.Module):
    """Subclasses build their stages as attributes named in ``names`` and call ``set_stages`` once."""

    def set_stages(self, names, counts, outputs, groups: GroupsConfig | None, taps, where: str) -> None:
        self.stage_names = tuple(names)
        self.stage_channels = dict(zip(self.stage_names, counts))
        self.outputs = tuple(outputs)
        self.groups = stage_groups(self.stage_channels, groups, taps, where)

    def run_stages(self, x) -> list:
        """The outputs of the stages named in ``outputs``, in stage order. Stages after the last one that is an
        output or an IEN tap are not run: nothing would read them (a tapped stage must run for its hook)."""
        needed = set(self.outputs) | set(self.groups)
        last = max((i for i, name in enumerate(self.stage_names) if name in needed), default=-1)
        out = []
        for name in self.stage_names[:last + 1]:
            x = getattr(self, name)(x)
            if name in self.outputs:
                out.append(x)
        return out
