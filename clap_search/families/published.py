"""Published CLAP checkpoints the engine knows, and `pull`: download (pinned revision) then import."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from clap_search.errors import DownloadError, UnknownModelError, UsageError
from clap_search.families import families
from clap_search.families.store import Imported, cached_checkpoint, import_model, models_dir

HUB_HOST = "huggingface.co"
PROBE_SECONDS = 3.0


@dataclass(frozen=True)
class Published:
    name: str
    family: str
    description: str
    repo: str
    filename: str
    revision: str  # a commit of the hub repository: the same bytes every time
    licence: str
    dim: int
    sample_rate: int
    window_seconds: float
    download_bytes: int | None  # as the hub lists it; None where not recorded here
    esc50: float | None  # published zero-shot ESC-50 accuracy, %
    esc50_source: str
    # files the model needs besides `filename`, as (repo, file, revision), put beside it (a hub
    # folder's config and tokenizer; roberta-base's tokenizer for laion_clap's .pt files)
    extra_files: tuple[tuple[str, str, str], ...] = ()

    @property
    def url(self) -> str:
        return f"https://{HUB_HOST}/{self.repo}/resolve/{self.revision}/{self.filename}"


# laion_clap fetches roberta-base's tokenizer at run time; `pull` fetches it once, beside the weights.
# Revisions are commits seen in public pins of these repositories (HF cache snapshot folders, MTEB's
# model registry): not checked from here, which has no hub access.
ROBERTA_REVISION = "e2da8e2f811d1448a5b465c236feacd80ffbac7b"
ROBERTA = tuple(("FacebookAI/roberta-base", name, ROBERTA_REVISION) for name in ("vocab.json", "merges.txt"))
LAION_CLAP_REVISION = "b3708341862f581175dba5c356a4ebf74a9b6651"  # lukewys/laion_clap
FUSED_FOLDER_REVISION = "cca9e288ab447cee67d9ada1f85ddb46500f1401"  # laion/clap-htsat-fused


def hub_folder(repo: str, revision: str) -> tuple[tuple[str, str, str], ...]:
    """A transformers ClapModel folder's files besides its weights."""
    return tuple((repo, name, revision) for name in ("config.json", "vocab.json", "merges.txt"))


PUBLISHED: tuple[Published, ...] = (
    Published("msclap-2022", "msclap-2022", "Microsoft CLAP 2022, the paper's model: CNN14 + BERT-base",
              "microsoft/msclap", "CLAP_weights_2022.pth", "5e1d53af259bb39d380680e69ca580960b2c66b1",
              "MS-PL", 1024, 44100, 5.0, 2_330_000_000, 82.6, "Elizalde et al. 2022 (arXiv:2206.04769)"),
    Published("msclap-2023", "msclap-2023", "Microsoft CLAP 2023: HTSAT + GPT-2",
              "microsoft/msclap", "CLAP_weights_2023.pth", "5e1d53af259bb39d380680e69ca580960b2c66b1",
              "MS-PL", 1024, 44100, 7.0, 690_000_000, 93.9,
              "msclap 1.3.4 README (Elizalde et al. 2023, arXiv:2309.05767)"),
    Published("laion-clap-630k", "laion-clap", "LAION-CLAP HTSAT-tiny + RoBERTa, unfused (630k + AudioSet)",
              "lukewys/laion_clap", "630k-audioset-best.pt", LAION_CLAP_REVISION,
              "CC0-1.0", 512, 48000, 10.0, 1_860_000_000, 92.75,
              "LAION-AI/CLAP README, ESC-50 fold 1", ROBERTA),
    Published("laion-clap-630k-fused", "laion-clap", "LAION-CLAP HTSAT-tiny + RoBERTa, feature fusion",
              "lukewys/laion_clap", "630k-audioset-fusion-best.pt", LAION_CLAP_REVISION,
              "CC0-1.0", 512, 48000, 10.0, None, 90.5, "LAION-AI/CLAP README, ESC-50 fold 1", ROBERTA),
    Published("laion/clap-htsat-unfused", "laion-clap",
              "LAION-CLAP HTSAT-tiny + RoBERTa as a transformers ClapModel folder (630k-audioset-best)",
              "laion/clap-htsat-unfused", "pytorch_model.bin", "8fa0f1c6d0433df6e97c127f64b2a1d6c0dcda8a",
              "Apache-2.0", 512, 48000, 10.0, None, 92.75,
              "its source 630k-audioset-best.pt (LAION-AI/CLAP#123), LAION-AI/CLAP README, ESC-50 fold 1",
              hub_folder("laion/clap-htsat-unfused", "8fa0f1c6d0433df6e97c127f64b2a1d6c0dcda8a")),
    Published("laion/clap-htsat-fused", "laion-clap",
              "LAION-CLAP HTSAT-tiny + RoBERTa, fusion, as a transformers ClapModel folder",
              "laion/clap-htsat-fused", "pytorch_model.bin", FUSED_FOLDER_REVISION,
              "Apache-2.0", 512, 48000, 10.0, None, 90.5,
              "its source 630k-audioset-fusion-best.pt (LAION-AI/CLAP#123), LAION-AI/CLAP README, fold 1",
              hub_folder("laion/clap-htsat-fused", FUSED_FOLDER_REVISION)),
    Published("laion/larger_clap_general", "laion-clap", "LAION-CLAP HTSAT-base + RoBERTa (general audio)",
              "laion/larger_clap_general", "pytorch_model.bin", "ada0c23a36c4e8582805bb38fec3905903f18b41",
              "Apache-2.0", 512, 48000, 10.0, 776_000_000, None,
              "none published for this folder (uploaded by Hugging Face, not LAION: LAION-AI/CLAP#172)",
              hub_folder("laion/larger_clap_general", "ada0c23a36c4e8582805bb38fec3905903f18b41")),
)


def published(name: str) -> Published:
    for entry in PUBLISHED:
        if entry.name == name:
            return entry
    names = ", ".join(p.name for p in PUBLISHED)
    raise UnknownModelError(f"no published model named '{name}': use one of {names}, "
                            "or `clap-search models import FILE --name NAME` for a file you have")


def supported(entry: Published) -> bool:
    return entry.family in families()


def pull(name: str, from_file: Path | None = None) -> Imported:
    """Make a published model usable by name: from `from_file` if given, else download it."""
    entry = published(name)
    if not supported(entry):
        raise UsageError(f"{name} is a {entry.family} model, a family this clap-search cannot run yet "
                         f"(it runs: {', '.join(f for f in families() if f != 'clap-search')})")
    if from_file is not None:
        return import_model(from_file, name, family=entry.family)
    present = cached_checkpoint(name)
    if present is not None:  # converted before: nothing to fetch
        from clap_search.checkpoint import read_metadata

        return Imported(name, entry.family, present, read_metadata(present)["version"])
    _check_online(entry)
    try:
        from huggingface_hub import hf_hub_download
    except ImportError as exc:
        raise DownloadError("downloading needs huggingface_hub (pip install huggingface_hub), or "
                            f"fetch {entry.url} elsewhere and run `clap-search models pull {name} "
                            "--from FILE`") from exc
    downloads = models_dir() / ".downloads"
    try:
        path = Path(hf_hub_download(entry.repo, entry.filename, revision=entry.revision,
                                    cache_dir=str(downloads)))
        if entry.extra_files:  # gathered into one folder, as the family reads them
            staging = downloads / "files"
            staging.mkdir(parents=True, exist_ok=True)
            os.replace(path.resolve(), staging / entry.filename)
            for repo, filename, revision in entry.extra_files:
                got = hf_hub_download(repo, filename, revision=revision, cache_dir=str(downloads))
                os.replace(Path(got).resolve(), staging / filename)
            path = staging / entry.filename
        return import_model(path, name, family=entry.family)
    except (OSError, ValueError) as exc:  # the hub client's errors derive from these
        raise DownloadError(f"downloading {entry.url} failed: {exc}") from exc
    finally:
        shutil.rmtree(downloads, ignore_errors=True)  # the converted copy is what stays


def _check_online(entry: Published) -> None:
    """Fail at once, with the way out, when the hub cannot be reached: never wait on time-outs."""
    hint = (f"download {entry.url} on a machine with internet and run "
            f"`clap-search models pull {entry.name} --from FILE`")
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        raise DownloadError(f"{entry.name} is not here and HF_HUB_OFFLINE is set: {hint}")
    if not _reachable(HUB_HOST, 443, PROBE_SECONDS):
        os.environ["HF_HUB_OFFLINE"] = "1"  # anything else in this process stays off the network
        raise DownloadError(f"{entry.name} is not here and {HUB_HOST} cannot be reached: {hint}")


def _reachable(host: str, port: int, seconds: float) -> bool:
    """A TCP connection within `seconds`; name resolution runs in a thread, as it has no time-out."""
    result: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=seconds):
                result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(seconds)
    return bool(result and result[0])
