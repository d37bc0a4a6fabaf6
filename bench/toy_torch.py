"""PyTorch side of the toy-model benchmark (`cargo xtask bench` runs it beside bench_toy).

The same network as src/toy/model.rs (pre-norm GPT: token + position embeddings, 2 blocks
of 4-head causal attention and a feed-forward with the model's activation (`activation` in
public/models/toy-base.json: ReLU, or GELU for models saved before it), final layer norm, linear head; 151,793
parameters for the shipped 369-word vocabulary) and the same step as src/bin/bench_toy.rs:
a full 16 x 64 batch, masked cross-entropy, backward, gradient-norm clipping at 1.0 per
parameter tensor (as burn's GradientClipping::Norm does), AdamW at 1e-3 with burn's
defaults (betas 0.9/0.999, eps 1e-5, no weight decay), loss read back. CPU only, timed on one
thread (burn's Flex backend runs on one thread in this build, as in the browser's worker)
and on every core. Prints one JSON line.
"""
import json
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
BATCH, WARMUP, TIMED = 16, 5, 40


class ToyLm(nn.Module):
    def __init__(self, vocab, d_model, n_heads, n_layers, d_ff, context, activation):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d_model)
        self.positions = nn.Embedding(context, d_model)
        layer = nn.TransformerEncoderLayer(
            d_model, n_heads, d_ff, dropout=0.0, activation=activation, batch_first=True, norm_first=True
        )
        self.blocks = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, tokens):
        seq = tokens.shape[1]
        x = self.tokens(tokens) + self.positions(torch.arange(seq))
        mask = nn.Transformer.generate_square_subsequent_mask(seq)
        return self.head(self.norm(self.blocks(x, mask=mask, is_causal=True)))


def ms_per_step(cfg, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ToyLm(
        cfg["vocab_size"], cfg["d_model"], cfg["n_heads"], cfg["n_layers"], cfg["d_ff"], cfg["context"],
        cfg.get("activation", "gelu"),
    )
    tokens = torch.randint(1, cfg["vocab_size"], (BATCH, cfg["context"] + 1))
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    weights = torch.ones(inputs.shape)
    params = list(model.parameters())
    optim = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-5, weight_decay=0.0)
    times = []
    for step in range(WARMUP + TIMED):
        t = time.perf_counter()
        logp = torch.log_softmax(model(inputs), dim=2)
        picked = logp.gather(2, targets.unsqueeze(2)).squeeze(2)
        loss = -(picked * weights).sum() / weights.sum().clamp_min(1.0)
        optim.zero_grad()
        loss.backward()
        for p in params:
            nn.utils.clip_grad_norm_([p], 1.0)
        optim.step()
        assert loss.item() == loss.item()
        if step >= WARMUP:
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return sum(p.numel() for p in params), times[len(times) // 2]


def main():
    cfg = json.loads((ROOT / "public" / "models" / "toy-base.json").read_text())["model"]
    all_threads = torch.get_num_threads()
    parameters, one = ms_per_step(cfg, 1)
    _, every = ms_per_step(cfg, all_threads)
    print(json.dumps({
        "torch_version": torch.__version__,
        "threads": all_threads,
        "parameters": parameters,
        "ms_per_step_1_thread": round(one, 3),
        "ms_per_step_all_threads": round(every, 3),
    }))


if __name__ == "__main__":
    main()
