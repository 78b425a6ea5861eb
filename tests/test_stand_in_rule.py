"""The stand-in rule (stand_in_rule.py): a stand-in not yet written is favoured, the end held back."""

import torch

from desktop_app.seq2seq.stand_in_rule import AllRules, StandInsWanted
from desktop_app.seq2seq.tokenizer import EOS_ID

VOCAB = 12
TOM, PARIS, OTHER = 7, 9, 5


def test_a_missing_stand_in_gains_and_the_end_loses_until_it_is_written():
    rule = StandInsWanted([TOM, PARIS, TOM], bonus=2.0, end_penalty=3.0)
    flat = torch.zeros(3, VOCAB)
    out = rule.apply([[OTHER], [TOM, PARIS], [TOM, PARIS, TOM]], flat)
    assert out[0, TOM] == out[0, PARIS] == 2.0 and out[0, EOS_ID] == -3.0 and out[0, OTHER] == 0.0
    assert out[1, TOM] == 2.0 and out[1, PARIS] == 0.0  # "Tom" stands for two spans: one is still missing
    assert out[2].abs().sum() == 0  # all written: nothing changes
    assert flat.abs().sum() == 0  # the input is left alone


def test_rules_apply_in_turn_and_none_is_skipped():
    def forbid_other(outputs, log_probs):
        return log_probs.index_fill(1, torch.tensor([OTHER]), float("-inf"))

    class Forbid:
        apply = staticmethod(forbid_other)

    out = AllRules(None, Forbid(), StandInsWanted([TOM], 1.0, 1.0)).apply([[]], torch.zeros(1, VOCAB))
    assert out[0, OTHER] == float("-inf") and out[0, TOM] == 1.0 and out[0, EOS_ID] == -1.0
