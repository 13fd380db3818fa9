"""Reuters: 11,228 newswires as word-index sequences, labelled with one of 46 topics, as
Keras loads them.

``reuters.npz`` and ``reuters_word_index.json`` are looked for in
``$MINIKERAS_DATA``, then in ``~/.keras/datasets`` and ``~/.minikeras/datasets``
(see ``keras.utils.get_file``), and downloaded from Keras's address if in none.
The newswires are ragged, so the file stores them pickled; they are read by
``files.SafeUnpickler`` (containers and NumPy arrays only).
"""

import numpy as np

from . import files, sequences, splitting

ORIGIN = files.KERAS_DATASETS + "reuters.npz"
SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = files.KERAS_DATASETS + "reuters_word_index.json"
WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"
SAMPLES = 11228
MAX_PICKLE_BYTES = 128 << 20  # far more than the real newswires' pickle takes
SPECS = {
    "x": files.ArraySpec((SAMPLES,), files.OBJECTS, MAX_PICKLE_BYTES),
    "y": files.ArraySpec((SAMPLES,), files.INTEGERS),
}
LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """The Reuters newswires as Keras returns them: ``(x_train, y_train), (x_test, y_test)``.

    x_train, x_test: 1-D object arrays of lists of word indices, the first
        ``int(n * (1 - test_split))`` shuffled newswires and the rest;
        y_train, y_test: int arrays of topics 0-45 (``get_label_names()``).
    test_split: the fraction of newswires kept for testing.
    The other arguments are ``imdb.load_data``'s: num_words, skip_top, maxlen,
    seed, start_char, oov_char, index_from.
    Raises ValueError for a file that is not Keras's reuters.npz.
    """
    file = files.dataset_file(path, ORIGIN, SHA256)
    arrays = files.read_npz(file, SPECS, "reuters.npz")
    x, labels = splitting.shuffled(np.random.RandomState(seed), arrays["x"], arrays["y"])
    with sequences.malformed_as_value_error(file, "reuters.npz"):
        x = sequences.mark(x, start_char, index_from)
        x, labels = sequences.drop_long(maxlen, x, labels)
        x = sequences.limit_vocabulary(x, num_words, skip_top, oov_char)
    n = splitting.train_size(len(x), test_split)
    return ((sequences.object_array(x[:n]), np.array(labels[:n])),
            (sequences.object_array(x[n:]), np.array(labels[n:])))


def get_word_index(path="reuters_word_index.json"):
    """The dict word -> rank of the Reuters newswires (rank 1: the most frequent word).

    In ``load_data``'s sequences a word of rank r is ``r + index_from``.
    """
    file = files.dataset_file(path, WORD_INDEX_ORIGIN, WORD_INDEX_MD5)
    return sequences.read_word_index(file, "Reuters word index")


def get_label_names():
    """The 46 topics' names, in label order (``get_label_names()[3] == "earn"``)."""
    return LABEL_NAMES
