"""California housing: 20,640 block groups of the 1990 US census, 8 features each and the
median house value (in $), as Keras loads them.

The features: median income, house age, rooms and bedrooms per household,
population, household members, latitude, longitude. ``california_housing.npz``
is looked for in ``$MINIKERAS_DATA``, then in ``~/.keras/datasets`` and
``~/.minikeras/datasets`` (see ``keras.utils.get_file``), and downloaded from
Keras's address if in none.
"""

from . import files, housing, splitting

ORIGIN = files.KERAS_DATASETS + "california_housing.npz"
SHA256 = "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"
SAMPLES = 20640
VERSIONS = {"small": 600, "large": None}  # the samples each version keeps (None: all)
SPECS = {"x": files.ArraySpec((SAMPLES, 8), files.FLOATS),
         "y": files.ArraySpec((SAMPLES,), files.FLOATS)}


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113):
    """The California housing data as Keras returns it: ``(x_train, y_train), (x_test, y_test)``.

    version: "large" (all 20,640 samples: 16,512 for training, 4,128 for
        testing) or "small" (the first 600, a stand-in for Boston housing).
    x: (n, 8) features; y: (n,) median house values in $ (about 25,000 to 500,000).
    path: the file name looked for in the caches, or an absolute path.
    test_split: the fraction of samples kept for testing, 0 <= test_split < 1.
    seed: seeds the shuffle before the split (Keras's order for the same seed).
    """
    splitting.check_test_split(test_split)
    if version not in VERSIONS:
        raise ValueError("Argument `version` must be one of 'small', 'large'. "
                         f"Received: version={version}")
    file = files.dataset_file(path, ORIGIN, SHA256)
    return housing.load_split(file, SPECS, "california_housing.npz", test_split, seed,
                              VERSIONS[version])
