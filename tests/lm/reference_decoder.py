"""An independent Qwen2 / Llama decoder in Python torch, written from the published architecture
(Hugging Face transformers' modelling code as documented), for checking the C++ decoder.

It shares no code with the C++ side: it parses config.json and the safetensors format itself
(header length, JSON header, little-endian data), expands the key/value heads for grouped-query
attention instead of grouping the queries, and builds the causal mask with triu.

  reference_decoder.py logits MODEL_DIR IDS.npy OUT.safetensors
      logits [batch, tokens, vocab] of IDS ([batch, tokens] or [tokens] int array), written as an
      F32 safetensors file with one tensor "logits".
  reference_decoder.py time MODEL_DIR --context N --warmup W --runs R --threads T
      prefill of batch 1 x N random ids: prints JSON {"runs_s": [...]} (seconds per forward).
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = bytearray(data[begin:end])
        t = torch.frombuffer(raw, dtype=DTYPES[entry["dtype"]]) if raw else torch.empty(0, dtype=DTYPES[entry["dtype"]])
        out[name] = t.reshape(entry["shape"]).to(torch.float32)
    return out


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in chunks:
            f.write(b)


def load_model(directory):
    with open(os.path.join(directory, "config.json")) as f:
        cfg = json.load(f)
    single = os.path.join(directory, "model.safetensors")
    if os.path.exists(single):
        weights = read_safetensors(single)
    else:
        with open(os.path.join(directory, "model.safetensors.index.json")) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        weights = {}
        for s in shards:
            weights.update(read_safetensors(os.path.join(directory, s)))
    return cfg, weights


def inverse_frequencies(cfg, head_dim):
    theta = float(cfg.get("rope_theta", 10000.0))
    freqs = [1.0 / theta ** (2 * i / head_dim) for i in range(head_dim // 2)]
    scaling = cfg.get("rope_scaling")
    if scaling and scaling.get("rope_type", scaling.get("type")) == "llama3":
        factor = scaling["factor"]
        low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
        old = scaling["original_max_position_embeddings"]
        scaled = []
        for f in freqs:
            wavelen = 2 * math.pi / f
            if wavelen < old / high:
                scaled.append(f)
            elif wavelen > old / low:
                scaled.append(f / factor)
            else:
                smooth = (old / wavelen - low) / (high - low)
                scaled.append((1 - smooth) * f / factor + smooth * f)
        freqs = scaled
    return torch.tensor(freqs, dtype=torch.float32)


class ReferenceDecoder:
    def __init__(self, cfg, weights):
        self.cfg, self.w = cfg, weights
        self.hidden = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.kv_heads = cfg.get("num_key_value_heads") or self.heads
        self.head_dim = cfg.get("head_dim") or self.hidden // self.heads
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.layers = cfg["num_hidden_layers"]
        self.inv_freq = inverse_frequencies(cfg, self.head_dim)
        self.tied = cfg.get("tie_word_embeddings", False)

    def linear(self, x, prefix):
        return torch.nn.functional.linear(x, self.w[prefix + ".weight"], self.w.get(prefix + ".bias"))

    def norm(self, x, name):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.w[name] * (x * torch.rsqrt(variance + self.eps))

    @staticmethod
    def rotate_half(x):
        a, b = x.chunk(2, dim=-1)
        return torch.cat((-b, a), dim=-1)

    def attention(self, x, p, cos, sin):
        bsz, n, _ = x.shape
        q = self.linear(x, p + "q_proj").view(bsz, n, self.heads, self.head_dim).transpose(1, 2)
        k = self.linear(x, p + "k_proj").view(bsz, n, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.linear(x, p + "v_proj").view(bsz, n, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + self.rotate_half(q) * sin
        k = k * cos + self.rotate_half(k) * sin
        rep = self.heads // self.kv_heads
        k = k[:, :, None].expand(bsz, self.kv_heads, rep, n, self.head_dim).reshape(bsz, self.heads, n, self.head_dim)
        v = v[:, :, None].expand(bsz, self.kv_heads, rep, n, self.head_dim).reshape(bsz, self.heads, n, self.head_dim)
        scores = q @ k.transpose(2, 3) / math.sqrt(self.head_dim)
        scores = scores + torch.triu(torch.full((n, n), float("-inf")), diagonal=1)
        out = torch.softmax(scores, dim=-1) @ v
        return self.linear(out.transpose(1, 2).reshape(bsz, n, self.heads * self.head_dim), p + "o_proj")

    def mlp(self, x, p):
        return self.linear(torch.nn.functional.silu(self.linear(x, p + "gate_proj")) * self.linear(x, p + "up_proj"),
                           p + "down_proj")

    def forward(self, ids):
        n = ids.shape[1]
        angles = torch.arange(n, dtype=torch.float32)[:, None] * self.inv_freq[None, :]
        angles = torch.cat((angles, angles), dim=-1)
        cos, sin = angles.cos(), angles.sin()
        h = self.w["model.embed_tokens.weight"][ids]
        for i in range(self.layers):
            p = "model.layers.%d." % i
            h = h + self.attention(self.norm(h, p + "input_layernorm.weight"), p + "self_attn.", cos, sin)
            h = h + self.mlp(self.norm(h, p + "post_attention_layernorm.weight"), p + "mlp.")
        h = self.norm(h, "model.norm.weight")
        head = self.w["model.embed_tokens.weight"] if self.tied else self.w["lm_head.weight"]
        return h @ head.t()


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    lg = sub.add_parser("logits")
    lg.add_argument("model")
    lg.add_argument("ids")
    lg.add_argument("out")
    tm = sub.add_parser("time")
    tm.add_argument("model")
    tm.add_argument("--context", type=int, required=True)
    tm.add_argument("--warmup", type=int, default=2)
    tm.add_argument("--runs", type=int, default=5)
    tm.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    cfg, weights = load_model(a.model)
    model = ReferenceDecoder(cfg, weights)
    with torch.inference_mode():
        if a.command == "logits":
            ids = torch.from_numpy(np.load(a.ids).astype(np.int64))
            if ids.dim() == 1:
                ids = ids[None]
            write_safetensors(a.out, {"logits": model.forward(ids)})
        else:
            torch.set_num_threads(a.threads)
            ids = torch.randint(0, cfg["vocab_size"], (1, a.context), generator=torch.Generator().manual_seed(0))
            runs = []
            for i in range(a.warmup + a.runs):
                start = time.perf_counter()
                model.forward(ids)
                if i >= a.warmup:
                    runs.append(time.perf_counter() - start)
            print(json.dumps({"runs_s": runs, "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    sys.exit(main())
