"""Progbar: Keras's progress bar, redrawn in place on a terminal, one line otherwise."""

import math
import os
import sys
import time

from . import io_utils


def _is_terminal():
    if not io_utils.is_interactive_logging_enabled():
        return False  # a log records lines, not a bar redrawn in place
    return (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or (
        "ipykernel" in sys.modules or "PYCHARM_HOSTED" in os.environ)


class Progbar:
    """Displays a progress bar.

    target: total number of steps expected, None if unknown.
    width: the bar's width in characters.
    verbose: 0 (silent), 1 (the bar: redrawn in place on a terminal; when
        output goes to a file or pipe, one line at the end), 2 (one line at the end).
    interval: the least time between two redraws, in seconds.
    stateful_metrics: names of values shown as given; the others are averaged
        over the steps seen (``stateless_metrics`` names the averaged ones instead).
    unit_name: what a step is called ("step", "sample").
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Only one of `stateful_metrics` or `stateless_metrics` can be "
                             "provided.")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = None if stateless_metrics is not None else set(
            stateful_metrics or ())
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic_display = _is_terminal()
        self._values = {}
        self._values_order = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def due(self):
        """Whether an update now would redraw (so the caller may skip computing the values)."""
        return (self.verbose == 1 and self._dynamic_display
                and time.time() - self._last_update >= self.interval)

    def update(self, current, values=None, finalize=None):
        """Records that ``current`` steps are done, with ``values``: [(name, value), ...]."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        self._record(current, values or [], finalize)
        self._seen_so_far = current
        now = time.time()
        time_per_unit = self._estimate_step_duration(current, now)
        if self.verbose == 1 and (self._dynamic_display or finalize):
            if self._dynamic_display and now - self._last_update < self.interval and (
                    not finalize):
                return
            self._draw(current, now, time_per_unit, finalize)
        elif self.verbose == 2 and finalize:
            self._write(self._summary_line(current, now, time_per_unit) + "\n")
        self._last_update = now

    def add(self, n, values=None):
        """Advances by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    def _record(self, current, values, finalize):
        for name, value in values:
            if name not in self._values_order:
                self._values_order.append(name)
            averaged = (name not in self.stateful_metrics if self.stateful_metrics is not None
                        else name in self.stateless_metrics)
            if averaged and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total, count = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * steps, count + steps]
            else:
                self._values[name] = [value, 1]

    def _draw(self, current, now, time_per_unit, finalize):
        ansi = self._dynamic_display
        bold, green, grey, reset = ("\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m") if ansi else (
            "", "", "", "")
        if self.target is not None and self.target > 0:
            digits = int(math.log10(self.target)) + 1
            done = int(self.width * current / self.target)
            bar = f"{bold}{current:{digits}d}/{self.target}{reset} "
            if done > 0:
                bar += f"{green}{'━' * done}{reset}"
            bar += f"{grey}{'━' * (self.width - done)}{reset}"
        else:
            bar = f"{current:7d}/Unknown"
        if self.target is not None and self.target > 0 and not finalize:
            info = f" {bold}{_format_eta(time_per_unit * (self.target - current))}{reset}"
        else:
            info = f" {bold}{now - self._start:.0f}s{reset}"
        info += _format_time(time_per_unit, self.unit_name) + self._metrics_text()
        width = len(_strip(bar + info))
        message = ("\b" * self._prev_total_width + "\r") if ansi else ""
        message += bar + info
        if ansi and self._prev_total_width > width:
            message += " " * (self._prev_total_width - width)
        if finalize:
            message += "\n"
        self._write(message)
        self._prev_total_width = width

    def _summary_line(self, current, now, time_per_unit):
        count = f"{current}/{self.target}" if self.target else f"{current}"
        return (f"{count} - {now - self._start:.0f}s -"
                f"{_format_time(time_per_unit, self.unit_name)}" + self._metrics_text())

    def _metrics_text(self):
        text = ""
        for name in self._values_order:
            total, count = self._values[name]
            average = total / max(1, count)
            text += f" - {name}: " + (f"{average:.4f}" if abs(average) > 1e-3 else
                                      f"{average:.4e}")
        return text

    def _write(self, message):
        io_utils.print_msg(message, line_break=False)

    def _estimate_step_duration(self, current, now):
        """Seconds per step, ignoring the (usually slow) first step once there are more."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            time_per_unit = (now - self._time_after_first_step) / (current - 1)
        else:
            time_per_unit = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return time_per_unit


def _format_eta(seconds):
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_time(time_per_unit, unit_name):
    if time_per_unit >= 1 or time_per_unit == 0:
        return f" {time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f" {time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f" {time_per_unit * 1e6:.0f}us/{unit_name}"


def _strip(text):
    for code in ("\x1b[1m", "\x1b[32m", "\x1b[37m", "\x1b[0m"):
        text = text.replace(code, "")
    return text
