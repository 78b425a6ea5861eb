"""CTC prefix scores agree with torch's CTC loss and with their own definition."""

import torch
import torch.nn.functional as F

from desktop_app.seq2seq.ctc_prefix import empty_prefix, end_scores, extend, next_token_scores

BLANK, START = 0, 1  # START stands for the empty prefix's "last token" (never a candidate)


def _random_log_probs(frames=12, vocab=6, seed=0):
    torch.manual_seed(seed)
    return torch.log_softmax(torch.randn(1, frames, vocab) * 2, dim=-1)


def _prefix_of(tokens, log_probs, lengths):
    prefix, last = empty_prefix(log_probs, BLANK).pick(torch.zeros(1, dtype=torch.long)), START
    for token in tokens:
        prefix = extend(prefix, torch.tensor([last]), torch.tensor([[token]]), log_probs, lengths, BLANK)
        prefix, last = prefix.pick(torch.zeros(1, dtype=torch.long)), token
    return prefix


def test_end_score_is_the_ctc_probability_of_the_sequence():
    log_probs = _random_log_probs()
    lengths = torch.tensor([12])
    for tokens in ([3], [3, 3, 5], [2, 4, 2, 4], [5, 5, 5]):
        expected = -F.ctc_loss(
            log_probs.transpose(0, 1),
            torch.tensor([tokens]),
            lengths,
            torch.tensor([len(tokens)]),
            blank=BLANK,
            reduction="sum",
        )
        got = end_scores(_prefix_of(tokens, log_probs, lengths), lengths)
        torch.testing.assert_close(got.float(), expected.reshape(1), atol=1e-4, rtol=1e-5)


def test_a_prefix_score_is_its_end_plus_all_its_extensions():
    # P(labels start with g) = P(labels are g) + sum over tokens c of P(labels start with g c)
    log_probs = _random_log_probs(frames=9, vocab=5, seed=3)
    lengths = torch.tensor([9])
    for tokens in ([], [2], [2, 2], [4, 3]):
        prefix = _prefix_of(tokens, log_probs, lengths)
        last = torch.tensor([tokens[-1] if tokens else START])
        every = torch.tensor([[c for c in range(5) if c != BLANK]])
        extensions = extend(prefix, last, every, log_probs, lengths, BLANK).score
        total = torch.logaddexp(end_scores(prefix, lengths), torch.logsumexp(extensions, dim=1))
        torch.testing.assert_close(total, prefix.score.reshape(1).double(), atol=1e-6, rtol=1e-6)


def test_frames_past_the_length_are_ignored():
    log_probs = _random_log_probs(frames=12)
    padded = torch.cat([log_probs, torch.log_softmax(torch.randn(1, 5, 6), -1)], dim=1)
    short, long = torch.tensor([12]), torch.tensor([12])
    a = end_scores(_prefix_of([3, 5], log_probs, short), short)
    b = end_scores(_prefix_of([3, 5], padded, long), long)
    torch.testing.assert_close(a, b)


def test_every_next_token_score_at_once_equals_extending_by_each_token():
    # joint decoding ranks all tokens with next_token_scores, then extends only the best few
    log_probs = _random_log_probs(frames=10, vocab=6, seed=5)
    padded = torch.cat([log_probs, torch.log_softmax(torch.randn(1, 4, 6), -1)], dim=1)
    lengths = torch.tensor([10])
    every = torch.tensor([[c for c in range(6) if c != BLANK]])
    for tokens in ([], [3], [3, 3], [2, 5]):  # [3] and [3, 3]: extending by 3 again needs a blank
        prefix = _prefix_of(tokens, padded, lengths)
        last = torch.tensor([tokens[-1] if tokens else START])
        expected = extend(prefix, last, every, padded, lengths, BLANK).score
        got = next_token_scores(prefix, last, padded.double().exp(), lengths)[:, every[0]]
        torch.testing.assert_close(got, expected, atol=1e-9, rtol=1e-9)
