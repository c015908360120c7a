"""A variant of the tiny test model for reasoning parsers: ``<think>`` and ``</think>`` are tokens of its vocabulary.

vLLM's ``deepseek_r1`` and ``qwen3`` reasoning parsers find reasoning by the token ids of ``<think>`` and
``</think>``, and refuse a tokenizer without them. This builds the same tokenizer as :mod:`tiny_model` (the same
training, so the same ids for everything else), adds the two markers as added tokens, sizes the model's vocabulary
and embeddings for them, and uses a chat template that opens the reasoning in the generation prompt, as DeepSeek-R1's
template does: the model's output is reasoning until it emits ``</think>``, then the answer.

The markers are added tokens that are *not* special, as in DeepSeek-R1's and Qwen3's tokenizers: vLLM detokenizes
with ``skip_special_tokens``, and a special marker would vanish from the text the parsers read.

The weights are random, so the model never chooses to close its reasoning: tests force the markers where they want
them with :mod:`scripted_tokens`, a logits processor inside the engine. The tiny model of :mod:`tiny_model` is left
as it is (other tests pin its files).
"""

from __future__ import annotations

import json
from pathlib import Path

from tiny_model import SPECIAL_TOKENS, TinyModelSpec, _train_tokenizer

__all__ = ["REASONING_CHAT_TEMPLATE", "THINK_END", "THINK_START", "build_tiny_reasoning_model"]

THINK_START = "<think>"
THINK_END = "</think>"

#: ChatML whose generation prompt opens the reasoning (DeepSeek-R1 style), so the first output token is reasoning.
REASONING_CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n<think>\n{% endif %}"
)


def build_tiny_reasoning_model(out_dir: str | Path, seed: int = 0, dtype: str = "float32") -> Path:
    """Write the reasoning variant of the tiny model to ``out_dir``; deterministic like :func:`build_tiny_model`."""
    import torch
    from tokenizers import AddedToken
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
    fast.add_tokens([AddedToken(marker, special=False, normalized=False) for marker in (THINK_START, THINK_END)])
    fast.chat_template = REASONING_CHAT_TEMPLATE
    fast.save_pretrained(out)

    config = LlamaConfig(
        vocab_size=len(fast),  # the trained vocabulary and the two markers
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
    provenance = {
        "seed": seed,
        "dtype": dtype,
        "generator": "tests/vllm/tiny_reasoning_model.py",
        "special_tokens": SPECIAL_TOKENS,
        "added_tokens": [THINK_START, THINK_END],
    }
    (out / "tiny_model.json").write_text(json.dumps(provenance, indent=2))
    return out
