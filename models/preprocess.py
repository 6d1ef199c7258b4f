"""The one place where images become network input.

Crops are BGR uint8 arrays ``(H, W, 3)`` as OpenCV gives them; networks take float32 tensors ``(B, 3, H, W)``
with raw 0..255 values (the SiamFC/SiamRPN convention: the first BatchNorm absorbs the scale), channels kept in
BGR order so trackers never convert colour per frame. The conversion itself (:func:`to_network_input`) is a
tensor operation, so the exported tracker networks (tracker/onnx_export.py) contain it and take the uint8 crops
as they are.
"""
import numpy as np
import torch


def to_network_input(images: torch.Tensor) -> torch.Tensor:
    """``(B, H, W, 3)`` uint8 crops -> ``(B, 3, H, W)`` float32."""
    return images.permute(0, 3, 1, 2).to(torch.float32).contiguous()


def images_to_tensor(images, device="cpu") -> torch.Tensor:
    """Stack one ``(H, W, 3)`` image or a sequence/array of them into a float32 ``(B, 3, H, W)`` tensor."""
    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = arr[None]
    if arr.ndim != 4 or arr.shape[-1] != 3:
        raise ValueError(f"expected (H, W, 3) images, got shape {arr.shape}")
    return to_network_input(torch.from_numpy(np.ascontiguousarray(arr)).to(device))
