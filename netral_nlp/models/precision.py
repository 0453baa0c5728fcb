"""Numeric precision helpers shared by inference and fine-tuning: where bfloat16 runs natively,
and the autocast context for a precision.

>>> autocast("cpu", "fp32").__class__.__name__
'nullcontext'
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

__all__ = ["autocast", "bf16_supported"]


def bf16_supported(device: str) -> bool:
    """Whether bfloat16 matrix products run natively here (CUDA with bf16, or a CPU with
    AVX512-BF16 / AMX); elsewhere autocast would emulate them and be slower than fp32."""
    import torch

    if device.startswith("cuda"):
        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def autocast(device: str, precision: str) -> AbstractContextManager[Any]:
    """The autocast context for ``precision`` (``fp32``, ``bf16`` or ``auto``) on ``device``."""
    import torch

    use = precision == "bf16" or (precision == "auto" and bf16_supported(device))
    if not use:
        return nullcontext()
    return torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16)
