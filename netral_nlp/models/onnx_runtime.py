"""int8 inference of a fine-tuned encoder with ONNX Runtime.

:func:`export_int8` writes ``onnx/model.onnx`` beside a saved :class:`TransformerClassifier`: the
classifier graph with the attention and the first feed-forward matrices quantised to int8 (per
output channel, activations quantised on the fly) and the second feed-forward matrix of every
layer kept in floating point, because its inputs (GELU outputs with a few very large values) lose
too much when quantised. Large floating-point weights are stored as float16 and cast back when the
session starts (ONNX Runtime folds the casts once), and all weights go to shard files under 45 MB.

:class:`OnnxEncoder` runs that graph; ``TransformerClassifier`` uses it for ``precision="int8"``
on a CPU when the folder has one and ``onnxruntime`` is installed.

>>> clf = TransformerClassifier.from_pretrained("models/netral-e5-small")   # doctest: +SKIP
>>> export_int8(clf, "models/netral-e5-small")                              # doctest: +SKIP
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from netral_nlp.errors import ModelError

if TYPE_CHECKING:
    from netral_nlp.models.transformer import TransformerClassifier

__all__ = ["ONNX_DIR", "OnnxEncoder", "export_int8", "onnx_available"]

#: Folder of the ONNX graph inside a saved model folder.
ONNX_DIR = "onnx"
#: Largest shard of external weights (every committed file of a model stays under 50 MB).
MAX_SHARD_BYTES = 45 * 1024 * 1024
#: Floating-point weights at least this large are stored as float16 (and cast back at load).
HALF_MIN_ELEMENTS = 65536
#: Marker of the feed-forward output matrices that stay in floating point.
_KEEP_FLOAT = "/output/dense/MatMul"


def onnx_available() -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def export_int8(clf: TransformerClassifier, folder: str | Path) -> Path:
    """Write ``<folder>/onnx/model.onnx`` (+ weight shards) for ``clf``; returns the graph's path."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = Path(folder) / ONNX_DIR
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        old.unlink()
    sample = clf._collate(clf.tokenizer(["ayo coblos", "pemilu damai 2024"], truncation=True, max_length=clf.max_length)["input_ids"])
    model = clf.model.to("cpu").eval()  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as tmp:
        plain, quant = Path(tmp) / "plain.onnx", Path(tmp) / "int8.onnx"
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's notes on tracing and masks
            torch.onnx.export(
                model,
                (sample["input_ids"].cpu(), sample["attention_mask"].cpu()),
                str(plain),
                input_names=["input_ids", "attention_mask"],
                output_names=["logits"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "logits": {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        graph = onnx.load(str(plain))
        keep = [n.name for n in graph.graph.node if n.op_type == "MatMul" and _KEEP_FLOAT in n.name and "attention" not in n.name]
        quantize_dynamic(str(plain), str(quant), weight_type=QuantType.QInt8, per_channel=True, nodes_to_exclude=keep)
        quantized = onnx.load(str(quant))
    _halve_large_floats(quantized)
    _shard_external(quantized, out)
    path = out / "model.onnx"
    onnx.save_model(quantized, str(path))
    (out / "README.md").write_text(
        "int8 ONNX Runtime graph of this model (see netral_nlp.models.onnx_runtime); made by export_int8 from the\n"
        "safetensors weights beside it. Attention and first feed-forward matrices: int8 per channel; second\n"
        "feed-forward matrices and embeddings: float16 stored, float32 computed.\n"
    )
    return path


def _halve_large_floats(model: Any) -> None:
    """Store large float32 initializers as float16, each followed by a Cast back to float32."""
    import onnx
    from onnx import helper, numpy_helper

    graph = model.graph
    new_inits, casts = [], []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < HALF_MIN_ELEMENTS:
            new_inits.append(init)
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), name=init.name + "_fp16")
        new_inits.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT, name=init.name + "_cast"))
    del graph.initializer[:]
    graph.initializer.extend(new_inits)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)


def _shard_external(model: Any, out: Path) -> None:
    """Move every initializer's bytes into ``model-NNNNN.data`` files of at most ``MAX_SHARD_BYTES``."""
    import onnx

    shard, offset, fh = 0, 0, None
    try:
        for init in model.graph.initializer:
            raw = init.raw_data
            if not raw:
                continue
            if fh is None or offset + len(raw) > MAX_SHARD_BYTES:
                if fh is not None:
                    fh.close()
                shard += 1
                fh = open(out / f"model-{shard:05d}.data", "wb")  # noqa: SIM115 - closed below or on the next shard
                offset = 0
            fh.write(raw)
            init.ClearField("raw_data")
            init.data_location = onnx.TensorProto.EXTERNAL
            del init.external_data[:]
            for key, value in (("location", f"model-{shard:05d}.data"), ("offset", str(offset)), ("length", str(len(raw)))):
                entry = init.external_data.add()
                entry.key, entry.value = key, value
            offset += len(raw)
    finally:
        if fh is not None:
            fh.close()


def _check_external(path: Path) -> None:
    """Refuse a graph whose weights point outside its folder (a crafted ``location``)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    for init in model.graph.initializer:
        for entry in init.external_data:
            if entry.key == "location":
                name = entry.value
                if "/" in name or "\\" in name or name in ("", ".", "..") or not (path.parent / name).is_file():
                    raise ModelError(f"{path}: weights of {init.name!r} point outside the model folder ({name!r})", code="E405")


class OnnxEncoder:
    """An ONNX Runtime session over ``onnx/model.onnx``: ``(input_ids, attention_mask) -> logits``."""

    def __init__(self, folder: str | Path, *, threads: int | None = None) -> None:
        import onnxruntime as ort

        path = Path(folder) / ONNX_DIR / "model.onnx"
        if not path.is_file():
            raise ModelError(f"{path}: missing (export it with netral_nlp.models.onnx_runtime.export_int8)", code="E405")
        _check_external(path)
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.path = path
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        out = self.session.run(["logits"], {"input_ids": input_ids.astype(np.int64), "attention_mask": attention_mask.astype(np.int64)})
        return np.asarray(out[0], dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        return {"path": str(self.path), "providers": self.session.get_providers()}
