"""Registries: one table per kind of object (activations, losses, ...) from names to objects.

Every ``get``, ``serialize`` and ``deserialize`` of minikeras goes through
one of these tables, so a name means the same thing everywhere and an unknown
name fails the same way: a ValueError that lists the close matches.
"""

import difflib


class Registry:
    """Names to objects for one kind of object.

    kind: what the objects are, for error messages ("activation", "loss"...).
    """

    def __init__(self, kind):
        self.kind = kind
        self._objects = {}
        self._canonical = {}

    def register(self, *names):
        """Decorator: registers the object under ``names``; the first is its canonical name."""

        def decorate(obj):
            self.add(obj, *names)
            return obj

        return decorate

    def add(self, obj, *names):
        """Registers ``obj`` under ``names`` (default: its ``__name__``); the first is canonical."""
        names = names or (obj.__name__,)
        for name in names:
            self._objects[name] = obj
        self._canonical.setdefault(id(obj), names[0])

    def get(self, name):
        """The object registered under ``name``; a ValueError listing close matches otherwise."""
        try:
            return self._objects[name]
        except (KeyError, TypeError):  # TypeError: an unhashable identifier, such as a list
            raise ValueError(self.unknown_message(name)) from None

    def unknown_message(self, name):
        close = difflib.get_close_matches(str(name), list(self._objects), n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        # Keras's words first ("Could not interpret loss identifier"): what a user searches for.
        return (f"Could not interpret {self.kind} identifier: unknown {self.kind} {name!r}.{hint} "
                f"Known: {', '.join(sorted(self._objects))}.")

    def __contains__(self, name):
        try:
            return name in self._objects
        except TypeError:
            return False

    def class_of_config(self, config, custom_objects=None):
        """The class a serialized ``{"class_name": ..., "config": {...}}`` names; a ValueError,
        naming this kind of object, for anything else."""
        if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) or (
                not isinstance(config.get("config", {}), dict)):
            raise ValueError(f"Could not interpret {self.kind} config {config!r}: expected a "
                             "name or a dict with 'class_name' and a 'config' dict.")
        name = config["class_name"]
        return (custom_objects or {}).get(name) or self.get(name)

    def serialize_instance(self, obj, module):
        """Keras's dict for an instance of a class of this kind, built in or a user's:
        {"module", "class_name", "config", "registered_name"}.

        module: where Keras keeps the built-in classes, e.g. "keras.losses".
        """
        cls = type(obj)
        if "keras_location" in vars(cls):  # a class Keras keeps outside its public modules
            module, registered_name = cls.keras_location
        elif self.name_of(cls) is not None:
            registered_name = None
        else:
            module, registered_name = cls.__module__, cls.__name__
        return {"module": module, "class_name": cls.__name__, "config": obj.get_config(),
                "registered_name": registered_name}

    def name_of(self, obj):
        """The canonical name ``obj`` was registered under, or None."""
        return self._canonical.get(id(obj))

    def names(self):
        """Every registered name, aliases included."""
        return sorted(self._objects)
