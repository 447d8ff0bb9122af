"""The training losses of WicDistillModel: the paper's auto-encoding loss and the options beyond it.

``distillation_loss`` is the method (reconstruction with swapped meaning/context and the
negative; ``negative_weights`` is the option that weighs the negative's terms per record);
``contrastive_alignment``, ``other_sense_logits`` and ``form_consistency`` are this package's
crosslingual terms (see ``WicDistillConfig``). This file travels to the Hub with every
checkpoint: it imports only torch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

NEGATIVE_HOST_ANCHOR = 0
NEGATIVE_HOST_POSITIVE = 1
HOST_NAMES = {"anchor": NEGATIVE_HOST_ANCHOR, "positive": NEGATIVE_HOST_POSITIVE}
HOST_OF_SETTING = {"monolingual": NEGATIVE_HOST_ANCHOR, "crosslingual": NEGATIVE_HOST_POSITIVE}
"""Whose sentence hosts the negative, by corpus setting: the anchor's when the positive is a
paraphrase (monolingual), the positive's when it is a translation (crosslingual)."""


def _host_mask(negative_host: str | int | torch.Tensor, size: int, device: torch.device) -> torch.Tensor:
    """Bool (size, 1): True where the negative was inserted into the positive's sentence."""
    if isinstance(negative_host, str):
        if negative_host not in HOST_NAMES:
            raise ValueError(f"negative_host must be 'anchor' or 'positive', got {negative_host!r}")
        negative_host = HOST_NAMES[negative_host]
    if isinstance(negative_host, int):
        if negative_host not in (NEGATIVE_HOST_ANCHOR, NEGATIVE_HOST_POSITIVE):
            raise ValueError(f"negative_host must be 0 (anchor) or 1 (positive), got {negative_host!r}")
        return torch.full((size, 1), bool(negative_host), device=device)
    host = torch.as_tensor(negative_host, device=device).reshape(-1)
    if host.numel() != size:
        raise ValueError(f"negative_host has {host.numel()} entries for {size} triples")
    return host.bool()[:, None]


def distillation_loss(
    m_a: torch.Tensor,
    c_a: torch.Tensor,
    y_a: torch.Tensor,
    m_p: torch.Tensor,
    c_p: torch.Tensor,
    y_p: torch.Tensor,
    m_n: torch.Tensor | None = None,
    c_n: torch.Tensor | None = None,
    y_n: torch.Tensor | None = None,
    negative_host: str | int | torch.Tensor = "anchor",
    use_negatives: bool = True,
    alignment_weight: float = 0.0,
    alignment_temperature: float = 0.05,
    hard_logits: tuple[torch.Tensor, torch.Tensor] | None = None,
    negative_weight: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The auto-encoding loss of the method, one function for both settings.

    ``m_*``/``c_*`` are meaning/context vectors, ``y_*`` the layer-mean reconstruction targets of
    anchor ``a``, positive ``p`` and negative ``n``. ``negative_host`` says whose sentence the
    negative was substituted into: the anchor (monolingual) or the positive (crosslingual), as a
    name, a 0/1 code, or one code per triple. ``use_negatives=False`` keeps the four terms that
    need no negative (the collapse ablation). ``alignment_weight > 0`` adds
    ``alignment_weight * contrastive_alignment(m_a, m_p)`` (not in the paper; see the config),
    with ``hard_logits`` as each side's extra candidate. ``negative_weight`` ``(B,)`` weighs each
    triple's two cross terms of the negative (``negative_weights``; ``None``: the paper's equal
    weights).
    """

    def rec(m: torch.Tensor, c: torch.Tensor, y: torch.Tensor, weight: torch.Tensor | None = None):
        if weight is None:
            return F.mse_loss((m + c) / 2, y)
        return (((m + c) / 2 - y).pow(2).mean(dim=-1) * weight.to(y.dtype)).mean()

    terms = {
        "self_anchor": rec(m_a, c_a, y_a),
        "self_positive": rec(m_p, c_p, y_p),
        "swap_anchor_meaning": rec(m_a, c_p, y_p),
        "swap_positive_meaning": rec(m_p, c_a, y_a),
    }
    if use_negatives:
        if m_n is None or c_n is None or y_n is None:
            raise ValueError("use_negatives=True needs the negative's meaning, context and target")
        host = _host_mask(negative_host, y_a.shape[0], y_a.device)
        y_h = torch.where(host, y_p, y_a)
        c_h = torch.where(host, c_p, c_a)
        terms["self_negative"] = rec(m_n, c_n, y_n)
        terms["negative_context_to_host"] = rec(m_a, c_n, y_h, negative_weight)
        terms["negative_meaning_in_host"] = rec(m_n, c_h, y_n, negative_weight)
    if alignment_weight > 0:
        terms["alignment"] = alignment_weight * contrastive_alignment(
            m_a, m_p, alignment_temperature, hard_logits
        )
    total = torch.stack(list(terms.values())).sum()
    return total, terms


def negative_weights(similarity: torch.Tensor | None, size: int) -> torch.Tensor:
    """Weights ``w_i = (1 - s_i) / mean_j(1 - s_j)`` of each triple's negative cross terms, from
    ``s_i``, the static-embedding cosine of the negative with the word it replaced (NaN: unknown).

    At their fit the cross terms set ``M(n) - M(h) = 2 (y(n) - y(h))`` (context ``C(n) = C(h)``);
    weighing them by ``1 - s`` lets a near-synonym substitute pull less at that gap than an
    unrelated word. Scored triples average 1 (the paper's total weight) and unscored ones weigh 1.
    """
    if similarity is None:
        raise ValueError(
            "negative_term='dissimilarity_weighted' needs negative_similarity: one negative_score per "
            "record (NaN where a record has none)"
        )
    similarity = torch.as_tensor(similarity).reshape(-1)
    if similarity.numel() != size:
        raise ValueError(f"negative_similarity has {similarity.numel()} entries for {size} triples")
    known = torch.isfinite(similarity)
    dissimilarity = (1 - similarity.float().clamp(-1, 1)).masked_fill(~known, 0)
    mean = dissimilarity.sum() / known.sum().clamp_min(1)
    return torch.where(known, dissimilarity / mean.clamp_min(1e-6), torch.ones_like(dissimilarity))


def contrastive_alignment(
    m_a: torch.Tensor,
    m_p: torch.Tensor,
    temperature: float,
    hard_logits: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """Symmetric InfoNCE: anchor ``i`` must pick its own positive among the batch's, and back.

    ``hard_logits`` ``((B,), (B,))`` add one more candidate per anchor and per positive (already
    divided by the temperature; ``-inf`` where a row has none).
    """
    logits = F.normalize(m_a, dim=-1) @ F.normalize(m_p, dim=-1).T / temperature
    labels = torch.arange(len(m_a), device=m_a.device)
    forward, backward = logits, logits.T
    if hard_logits is not None:
        forward = torch.cat([forward, hard_logits[0][:, None]], dim=1)
        backward = torch.cat([backward, hard_logits[1][:, None]], dim=1)
    return (F.cross_entropy(forward, labels) + F.cross_entropy(backward, labels)) / 2


def other_sense_logits(
    meaning: torch.Tensor, pairs: torch.Tensor, size: int, temperature: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per anchor and per positive of ``size`` triples, the scaled cosine to its other-sense
    negative (``pairs`` rows (query, negative); queries ``< 2 * size``), ``-inf`` where none."""
    if pairs.dim() != 2 or pairs.shape[1] != 2:
        raise ValueError(f"other_sense_pairs must have shape (K, 2), got {tuple(pairs.shape)}")
    queries, negatives = pairs.unbind(1)
    if len(queries) and int(queries.max()) >= 2 * size:
        raise ValueError(
            f"other_sense_pairs queries must be anchors or positives (rows < {2 * size}), "
            f"got row {int(queries.max())}"
        )
    scores = (F.normalize(meaning[queries], dim=-1) * F.normalize(meaning[negatives], dim=-1)).sum(-1)
    logits = torch.full((2 * size,), float("-inf"), dtype=meaning.dtype, device=meaning.device)
    logits = logits.index_put((queries,), scores / temperature)
    return logits[:size], logits[size:]


def form_consistency(m_q: torch.Tensor, m_s: torch.Tensor, m_t: torch.Tensor) -> torch.Tensor:
    """Mean of ``(cos(q, s) - cos(q, t))**2``: ``s`` shares ``q``'s form, ``t`` is ``s``'s translation.

    ``s`` and ``t`` mean the same thing, so any gap between the two scores is what the shared
    spelling alone adds; driving it to zero puts same-form and crosslingual pairs on one scale.
    """
    q = F.normalize(m_q, dim=-1)
    gap = (q * F.normalize(m_s, dim=-1)).sum(-1) - (q * F.normalize(m_t, dim=-1)).sum(-1)
    return gap.pow(2).mean()
