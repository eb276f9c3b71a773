"""The message-level features the featurizers computed, read without Rasa's copies.

Shared by the classifiers that sit on top of the featurizers (need, linear intent) so that they see exactly the
same vectors.
"""

from __future__ import annotations

from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix, hstack


def sentence_features(message: Message) -> csr_matrix:
    """The text's sentence features, sparse then dense, each in featurizer order: what
    `get_sparse_features(TEXT)[1]` and `get_dense_features(TEXT)[1]` give, without their deep copies and
    their combining of the sequence features too (which cost most of a classifier's time per message)."""
    sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    parts = [csr_matrix(f.features) for f in sentence if f.is_sparse()]
    parts += [csr_matrix(f.features) for f in sentence if f.is_dense()]
    return hstack(parts) if parts else csr_matrix((1, 0))
