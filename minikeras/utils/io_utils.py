"""Where the progress bar and the callbacks' messages go: stdout, or Python's ``logging``.

Interactive logging (the default) writes to stdout, redrawing the progress bar
in place on a terminal: the right thing in a shell or a notebook. A training
job on a server calls ``disable_interactive_logging()`` and the same messages
go, line by line, to the ``"minikeras"`` logger at level INFO (Keras sends them
to absl's logger, which minikeras does not depend on).
"""

import logging
import sys
import threading


class _State:
    interactive = True


_lock = threading.Lock()
logger = logging.getLogger("minikeras")


def enable_interactive_logging():
    """Progress bars and messages go to stdout (the default)."""
    _State.interactive = True


def disable_interactive_logging():
    """Progress bars and messages go to the ``"minikeras"`` logger, at level INFO."""
    _State.interactive = False


def is_interactive_logging_enabled():
    """True when messages go to stdout, False when they go to the ``"minikeras"`` logger."""
    return _State.interactive


def print_msg(message, line_break=True):
    """Writes ``message`` to stdout (a line break after it unless told otherwise), or, with
    interactive logging off, logs it as one INFO record without the cursor moves a bar
    uses to redraw itself."""
    message = str(message)
    if not _State.interactive:
        text = message.replace("\b", "").strip("\r\n")
        if text:
            logger.info(text)
        return
    with _lock:
        sys.stdout.write(message + "\n" if line_break else message)
        sys.stdout.flush()
