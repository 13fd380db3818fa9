"""Boston housing: 506 districts' 13 attributes and median house price (in k$), as Keras
loads them.

Keras warns against using this dataset except to discuss the ethics of data:
one attribute assumes that racial self-segregation affects house prices.
``boston_housing.npz`` is looked for in ``$MINIKERAS_DATA``, then in
``~/.keras/datasets`` and ``~/.minikeras/datasets`` (see ``keras.utils.get_file``),
and downloaded from Keras's address if in none.
"""

from . import files, housing, splitting

ORIGIN = files.KERAS_DATASETS + "boston_housing.npz"
SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"
SAMPLES = 506
SPECS = {"x": files.ArraySpec((SAMPLES, 13), files.FLOATS),
         "y": files.ArraySpec((SAMPLES,), files.FLOATS)}


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """The Boston housing data as Keras returns it: ``(x_train, y_train), (x_test, y_test)``.

    x_train: (404, 13) attributes, y_train: (404,) prices in k$ (10 to 50);
    x_test: (102, 13), y_test: (102,), with the default ``test_split``.
    path: the file name looked for in the caches, or an absolute path.
    test_split: the fraction of samples kept for testing, 0 <= test_split < 1.
    seed: seeds the shuffle before the split (Keras's order for the same seed).
    """
    splitting.check_test_split(test_split)
    file = files.dataset_file(path, ORIGIN, SHA256)
    return housing.load_split(file, SPECS, "boston_housing.npz", test_split, seed)
