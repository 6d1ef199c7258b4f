"""Backbones: each exposes ``stage_names``, ``stage_channels`` (name -> output channels), ``groups`` (tapped
stage name -> ChannelGroups) and ``forward(x) -> list`` of the outputs of the stages named in ``outputs``."""
