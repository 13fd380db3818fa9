"""What IMDB and Reuters share: word-index sequences, re-indexed and cut as Keras does.

Both files hold each text as a sequence of word ranks (1 = the most frequent
word). The loaders shift every rank up by ``index_from`` (keeping 0 for
padding, ``start_char`` and ``oov_char`` below it), put ``start_char`` first,
drop texts of ``maxlen`` words or more, and replace ranks outside
``[skip_top, num_words)`` by ``oov_char`` (or drop them when it is None).
"""

import contextlib
import json

import numpy as np


def mark(sequences, start_char, index_from):
    """Each sequence as a list of ranks shifted by ``index_from``, after ``start_char``."""
    prefix = [] if start_char is None else [start_char]
    return [prefix + [word + index_from for word in sequence] for sequence in sequences]


def drop_long(maxlen, sequences, labels):
    """The sequences shorter than ``maxlen`` and their labels (all when maxlen is None or 0)."""
    if not maxlen:
        return sequences, labels
    kept = [i for i, sequence in enumerate(sequences) if len(sequence) < maxlen]
    return [sequences[i] for i in kept], [labels[i] for i in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Ranks outside ``[skip_top, num_words)`` replaced by ``oov_char`` (dropped if None);
    ``num_words=None`` keeps every rank up to the largest one."""
    if not num_words:
        num_words = max(max(sequence) for sequence in sequences if sequence)
    if oov_char is None:
        return [[w for w in sequence if skip_top <= w < num_words] for sequence in sequences]
    return [[w if skip_top <= w < num_words else oov_char for w in sequence]
            for sequence in sequences]


@contextlib.contextmanager
def malformed_as_value_error(source, what):
    """Within the block, a TypeError (an element of the file that is not a sequence of
    integers) becomes a ValueError saying so, not an error from deep inside."""
    try:
        yield
    except TypeError as error:
        raise ValueError(f"{source} is not a valid {what}: it holds a text that is not a "
                         f"sequence of word indices ({error}).") from error


def object_array(sequences):
    """The sequences as a 1-D array of lists (one per text, whatever their lengths)."""
    array = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        array[i] = sequence
    return array


def read_word_index(path, what):
    """The dict word -> rank from Keras's JSON word index; ValueError if it is not one."""
    try:
        with open(path, encoding="utf8") as stream:
            index = json.load(stream)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not a valid {what}: {error}") from error
    if not isinstance(index, dict) or not all(
            isinstance(word, str) and type(rank) is int for word, rank in index.items()):
        raise ValueError(f"{path} is not a valid {what}: expected a JSON object of word: "
                         "index pairs.")
    return index


def check_options(function, options):
    """TypeError naming the keyword arguments ``function`` does not know (Keras lets imdb's
    ``**kwargs`` pass silently; a misspelt ``num_word=`` would then be ignored)."""
    if options:
        raise TypeError(f"{function}() got unexpected keyword arguments: "
                        f"{', '.join(sorted(options))}.")

