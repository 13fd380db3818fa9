"""Event files that TensorBoard reads: scalars, weight histograms and the model's config.

An event file is a sequence of records (length, CRC, an ``Event`` protocol
buffer, CRC). The ``tensorboard`` package (``pip install 'minikeras[tensorboard]'``)
supplies the protocol buffers, the record framing and the summaries' layout;
the file itself is written here, so TensorFlow is never imported.
"""

import itertools
import os
import socket
import time

import numpy as np

_file_numbers = itertools.count()


def tensorboard_modules():
    """(event_pb2, summary_pb2, RecordWriter, scalar_pb, histogram_pb) from the tensorboard
    package, or an ImportError saying how to install it."""
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.histogram.summary_v2 import histogram_pb
        from tensorboard.plugins.scalar.summary_v2 import scalar_pb
        from tensorboard.summary.writer.record_writer import RecordWriter
    except ImportError as error:
        raise ImportError(
            "The TensorBoard callback writes its files through the `tensorboard` package: "
            "install it with `pip install 'minikeras[tensorboard]'` (or `pip install "
            "tensorboard`; it comes with TensorFlow).") from error
    return event_pb2, summary_pb2, RecordWriter, scalar_pb, histogram_pb


class SummaryWriter:
    """Appends summaries to a new event file in ``logdir`` (created if needed).

    Files are named as TensorFlow names them (``events.out.tfevents.<time>.<host>...``),
    so ``tensorboard --logdir`` finds them; ``flush`` makes what was written readable.
    """

    def __init__(self, logdir):
        (self._event_pb2, self._summary_pb2, record_writer, self._scalar_pb,
         self._histogram_pb) = tensorboard_modules()
        os.makedirs(logdir, exist_ok=True)
        self.path = os.path.join(logdir, (
            f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{next(_file_numbers)}.v2"))
        self._records = record_writer(open(self.path, "wb"))  # noqa: SIM115 (open until close)
        self._write(self._event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))

    def scalar(self, tag, value, step):
        """One number, shown in TensorBoard's Scalars tab as the point (step, value)."""
        self._write_summary(self._scalar_pb(tag, np.float32(value)), step)

    def histogram(self, tag, values, step):
        """The distribution of ``values`` (an array), for the Histograms tab."""
        self._write_summary(self._histogram_pb(tag, np.asarray(values, "float64")), step)

    def keras_model(self, tag, json_config, step=0):
        """A model's JSON config, which TensorBoard's Graphs tab draws (Keras's "keras" tag)."""
        summary = self._summary_pb2.Summary()
        value = summary.value.add(tag=tag)
        value.metadata.plugin_data.plugin_name = "graph_keras_model"
        value.metadata.plugin_data.content = b"1"
        value.tensor.dtype = 7  # DT_STRING
        value.tensor.string_val.append(json_config.encode("utf-8"))
        self._write_summary(summary, step)

    def _write_summary(self, summary, step):
        self._write(self._event_pb2.Event(wall_time=time.time(), step=int(step),
                                          summary=summary))

    def _write(self, event):
        self._records.write(event.SerializeToString())

    def flush(self):
        self._records.flush()

    def close(self):
        if not self._records.closed:
            self._records.close()
