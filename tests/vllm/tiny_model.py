"""Build a tiny, randomly initialised Llama model with a locally trained tokenizer, for running vLLM without a hub.

No model hub is reachable from our machines and CI, yet the vLLM backend must be tested against a real engine. A
model of a few hundred thousand random weights is enough: its output is gibberish, but prompts are tokenized, tokens
are generated, streamed and counted, and timings are real. Everything is built from what is on the machine:

- the tokenizer is a byte-level BPE trained with ``tokenizers`` on the Python standard library's own sources (so it
  depends on the interpreter's version, not on a download), with ``<s>``, ``</s>``, ``<pad>``, ``<unk>`` and a
  ChatML-style chat template;
- the weights come from ``torch.manual_seed(seed)``, so the same seed and Python version give the same files.

The shapes are the smallest that vLLM's CPU attention accepts (head size 32: 4 heads of a hidden size of 128).

Used by the tests' fixtures, by benchmarks, and from the shell to serve the same model with vLLM's OpenAI server::

    python tests/vllm/tiny_model.py OUTDIR [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sysconfig
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CHAT_TEMPLATE", "SPECIAL_TOKENS", "TinyModelSpec", "build_tiny_model"]

#: ChatML without a system default: what chat models commonly use, simple enough to read in a test's failure.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<pad>", "<|im_start|>", "<|im_end|>"]

# About 2 MB of text: enough to fill a 2k vocabulary, small enough to train in a couple of seconds on 2 cores.
_CORPUS_BYTES = 2_000_000


class TinyModelSpec:
    """The shapes of the tiny model. Head size = hidden_size / heads = 32, the smallest vLLM's CPU attention takes."""

    vocab_size = 2048
    hidden_size = 128
    intermediate_size = 256
    num_hidden_layers = 2
    num_attention_heads = 4
    max_position_embeddings = 2048


def _corpus() -> Iterator[str]:
    """The standard library's sources in a fixed order, up to a fixed size: local, and the same on every run."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    total = 0
    for path in sorted(stdlib.glob("*.py")):
        text = path.read_text(encoding="utf-8", errors="replace")
        yield text
        total += len(text)
        if total >= _CORPUS_BYTES:
            return


def _train_tokenizer(vocab_size: int) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_corpus(), trainer=trainer)
    return tokenizer


def build_tiny_model(out_dir: str | Path, seed: int = 0, dtype: str = "float32") -> Path:
    """Write a loadable model folder (config, safetensors weights, tokenizer, chat template) to ``out_dir``.

    Deterministic for a given seed, Python version and library versions. Returns the folder. float32 by default:
    on CPUs that advertise AMX without enabling it (VMs), vLLM's bfloat16 attention dies of SIGILL.
    """
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    spec = TinyModelSpec()

    fast = PreTrainedTokenizerFast(
        tokenizer_object=_train_tokenizer(spec.vocab_size),
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        model_max_length=spec.max_position_embeddings,
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out)

    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_hidden_layers,
        num_attention_heads=spec.num_attention_heads,
        num_key_value_heads=spec.num_attention_heads,
        max_position_embeddings=spec.max_position_embeddings,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).to(getattr(torch, dtype))
    model.save_pretrained(out, safe_serialization=True)
    provenance = {"seed": seed, "dtype": dtype, "generator": "tests/vllm/tiny_model.py"}
    (out / "tiny_model.json").write_text(json.dumps(provenance, indent=2))
    return out


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="folder to write the model into (created if missing)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random weights (default 0)")
    parser.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"], help="weight dtype")
    options = parser.parse_args()
    print(build_tiny_model(options.out_dir, seed=options.seed, dtype=options.dtype))


if __name__ == "__main__":
    _main()
