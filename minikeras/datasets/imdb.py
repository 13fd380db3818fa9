"""IMDB: 50,000 film reviews as word-index sequences, labelled 1 (positive) or 0, as
Keras loads them.

``imdb.npz`` and ``imdb_word_index.json`` are looked for in ``$MINIKERAS_DATA``,
then in ``~/.keras/datasets`` and ``~/.minikeras/datasets`` (see
``keras.utils.get_file``), and downloaded from Keras's address if in none.
The reviews are ragged, so the file stores them pickled; they are read by
``files.SafeUnpickler`` (containers and NumPy arrays only).
"""

import numpy as np

from . import files, sequences, splitting

ORIGIN = files.KERAS_DATASETS + "imdb.npz"
SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = files.KERAS_DATASETS + "imdb_word_index.json"
WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"
SAMPLES = 25000  # reviews in each split
MAX_PICKLE_BYTES = 256 << 20  # per split: far more than the real reviews' pickle takes
SPECS = {
    "x_train": files.ArraySpec((SAMPLES,), files.OBJECTS, MAX_PICKLE_BYTES),
    "y_train": files.ArraySpec((SAMPLES,), files.INTEGERS),
    "x_test": files.ArraySpec((SAMPLES,), files.OBJECTS, MAX_PICKLE_BYTES),
    "y_test": files.ArraySpec((SAMPLES,), files.INTEGERS),
}


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """The IMDB reviews as Keras returns them: ``(x_train, y_train), (x_test, y_test)``.

    x_train, x_test: 1-D object arrays of 25,000 lists of word indices each
        (fewer with ``maxlen``); y_train, y_test: int arrays of labels 0 or 1.
    path: the file name looked for in the caches, or an absolute path.
    num_words: keep the ``num_words`` most frequent words (None: all); the
        others become ``oov_char``.
    skip_top: the most frequent words that also become ``oov_char``.
    maxlen: drop reviews of ``maxlen`` words or more (None: keep all).
    seed: seeds the shuffle of each split (Keras's order for the same seed).
    start_char: the index put first in every review (None: nothing).
    oov_char: the index of words cut by num_words/skip_top (None: drop them).
    index_from: word ranks are shifted up by this, leaving room for 0
        (padding), start_char and oov_char.
    Raises ValueError for a file that is not Keras's imdb.npz or when
    ``maxlen`` leaves no review, and TypeError for an unknown argument.
    """
    sequences.check_options("imdb.load_data", kwargs)
    file = files.dataset_file(path, ORIGIN, SHA256)
    arrays = files.read_npz(file, SPECS, "imdb.npz")
    rng = np.random.RandomState(seed)
    x_train, y_train = splitting.shuffled(rng, arrays["x_train"], arrays["y_train"])
    x_test, y_test = splitting.shuffled(rng, arrays["x_test"], arrays["y_test"])
    with sequences.malformed_as_value_error(file, "imdb.npz"):
        x_train = sequences.mark(x_train, start_char, index_from)
        x_test = sequences.mark(x_test, start_char, index_from)
        x_train, y_train = sequences.drop_long(maxlen, x_train, y_train)
        x_test, y_test = sequences.drop_long(maxlen, x_test, y_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
        encoded = sequences.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([y_train, y_test])
    n = len(x_train)
    return ((sequences.object_array(encoded[:n]), labels[:n]),
            (sequences.object_array(encoded[n:]), labels[n:]))


def get_word_index(path="imdb_word_index.json"):
    """The dict word -> rank of the IMDB reviews (rank 1: the most frequent word).

    In ``load_data``'s sequences a word of rank r is ``r + index_from``.
    """
    file = files.dataset_file(path, WORD_INDEX_ORIGIN, WORD_INDEX_MD5)
    return sequences.read_word_index(file, "IMDB word index")
