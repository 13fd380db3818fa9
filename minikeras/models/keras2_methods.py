"""Keras 2's training methods for generators, kept for the tutorials that call them: each
warns (DeprecationWarning) and calls the Keras 3 method, which takes generators itself."""

from ..utils import keras2


class Keras2Methods:
    """fit_generator, evaluate_generator and predict_generator, as in Keras 2.

    Their worker arguments (max_queue_size, workers, use_multiprocessing) change
    nothing: Keras 3's methods have none (a PyDataset holds them).
    """

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1,
                      callbacks=None, validation_data=None, validation_steps=None,
                      validation_freq=1, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """``fit(generator, ...)``, with a DeprecationWarning."""
        keras2.warn("model.fit_generator(generator, ...)", "model.fit(generator, ...)")
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs,
                        verbose=verbose, callbacks=callbacks, validation_data=validation_data,
                        validation_steps=validation_steps, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                           workers=1, use_multiprocessing=False, verbose=0):
        """``evaluate(generator, ...)``, with a DeprecationWarning."""
        keras2.warn("model.evaluate_generator(generator, ...)", "model.evaluate(generator, ...)")
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10,
                          workers=1, use_multiprocessing=False, verbose=0):
        """``predict(generator, ...)``, with a DeprecationWarning."""
        keras2.warn("model.predict_generator(generator, ...)", "model.predict(generator, ...)")
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)
