"""Training keeps its memory flat: every step's graph is released, no cache grows.

The issue's claim is about 20 epochs on all of MNIST; this test trains on
3,000 digits for 8 epochs (the same code path, every step identical in kind)
and measures after each epoch, once the first epochs have allocated what
training keeps (weights, optimizer slots, scratch buffers, metric states):

- tracemalloc, which counts every Python and NumPy allocation still alive:
  from the end of epoch 2 to the end of epoch 8 it may grow by at most
  64 KiB. What legitimately grows is the History (a few floats per epoch);
  leaking one step's graph would keep that step's activations -- a batch of
  64 x (784 + 128 + 10) float32 values, about 236 KiB -- so even one leaked
  step per epoch fails, and a leak of ~100 bytes per step (300 steps) as well.
- resident memory (RSS, from /proc): at most 8 MiB of growth over the same
  epochs, a looser bound because the allocator keeps freed pages around.

And a step reuses the memory of the last one (``minikeras.runtime.host_memory``):
a convnet's steps take almost no page faults.
"""

import gc
import os
import subprocess
import sys
import tracemalloc

import numpy as np
from threadpoolctl import threadpool_limits

import minikeras as keras

TRACED_GROWTH_LIMIT = 64 * 1024
RSS_GROWTH_LIMIT = 8 * 2**20


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_memory_stays_flat_from_epoch_to_epoch():
    (x, y), _ = keras.datasets.mnist.load_data()
    x = x[:3000].reshape(-1, 784).astype("float32") / 255
    y = y[:3000].astype("int64")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    traced, resident = [], []

    def measure(epoch, logs):
        gc.collect()
        traced.append(tracemalloc.get_traced_memory()[0])
        resident.append(resident_bytes())

    tracemalloc.start()
    try:
        with threadpool_limits(1):  # one BLAS thread: quick and steady on a busy machine
            model.fit(x, y, batch_size=64, epochs=8, validation_split=0.1, verbose=0,
                      callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=measure)])
    finally:
        tracemalloc.stop()
    traced_growth = traced[-1] - traced[1]
    resident_growth = resident[-1] - resident[1]
    assert traced_growth < TRACED_GROWTH_LIMIT, [t - traced[1] for t in traced]
    assert resident_growth < RSS_GROWTH_LIMIT, [r - resident[1] for r in resident]
    assert np.isfinite(model.get_weights()[0]).all()


# A child process trains a convnet (whose step allocates arrays of 11 MB) and
# prints the page faults of its steps after the first two.
FAULTS_PER_STEP = """
import resource, numpy as np, minikeras as keras
model = keras.Sequential([keras.Input(shape=(28, 28, 1)),
                          keras.layers.Conv2D(32, 3, activation="relu"),
                          keras.layers.MaxPooling2D(), keras.layers.Flatten(),
                          keras.layers.Dense(10)])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
x, y = np.random.rand(128, 28, 28, 1).astype("float32"), np.arange(128) % 10
model.fit(x, y, batch_size=128, epochs=2, verbose=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
model.fit(x, y, batch_size=128, epochs=5, verbose=0)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 5)
"""


def faults_per_step(**environment):
    run = subprocess.run([sys.executable, "-c", FAULTS_PER_STEP], capture_output=True, text=True,
                         env={**os.environ, **environment}, check=True)
    return float(run.stdout)


def test_training_steps_reuse_freed_memory():
    # Each step's convolution output, its gradient and max pooling's input gradient are
    # 128 x 26 x 26 x 32 float32 = 2,704 pages of 4 KiB each. Reused, none of them faults
    # again: a step faults 0 pages on an idle machine, up to about 230 on a heavily loaded
    # one, far below the pages of one such array.
    assert faults_per_step() < 2704 / 4
    # The user's own glibc setting (here glibc's default threshold) is left alone, and
    # then the same steps fault in their arrays' pages again and again.
    assert faults_per_step(MALLOC_TRIM_THRESHOLD_="131072") > 2704
