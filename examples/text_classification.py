"""Text classification: movie reviews, positive or negative, from word embeddings.

The reviews are made up here, from a small vocabulary: neutral words ("the",
"plot", "was"...) with a few sentiment words among them ("great",
"boring"...), some negated ("not great" counts as negative). A review is
positive when it says more positive things than negative ones.

Each review becomes a sequence of word indices, padded with 0 to one length.
The model learns a vector per word (Embedding, mask_zero=True so the
padding is masked), averages the vectors of the real words
(GlobalAveragePooling1D leaves the masked padding out) and reads the
sentiment off the average with a small classifier. An average forgets word
order, so "not great" is just "not" plus "great": expect most, but not all,
reviews with negations right. With --model convolution, a Conv1D reads the
words three at a time instead, so it can learn what "not" does to the next
word, and GlobalMaxPooling1D keeps what each of its filters found anywhere.

    python examples/text_classification.py
    python examples/text_classification.py --model convolution --plot
    python examples/text_classification.py --backend keras
"""

import common
import numpy as np

import minikeras as keras
from minikeras import layers

NEUTRAL = ["the", "a", "movie", "film", "plot", "story", "actors", "cast", "music", "ending",
           "scenes", "director", "it", "this", "was", "is", "and", "very", "quite", "with", "its",
           "of"]
POSITIVE = ["good", "great", "excellent", "wonderful", "fun", "moving", "brilliant", "charming",
            "superb", "clever"]
NEGATIVE = ["bad", "awful", "boring", "dull", "terrible", "weak", "poor", "clumsy", "tedious",
            "bland"]
VOCABULARY = ["<pad>", "not", *NEUTRAL, *POSITIVE, *NEGATIVE]  # index 0 is the padding
MAX_LENGTH = 24


def make_reviews(count, rng):
    """``count`` reviews as lists of words, and their labels (1: positive)."""
    reviews, labels = [], []
    for _ in range(count):
        opinions = rng.choice([1, 3, 5])  # an odd number of them: never a tie
        words = list(rng.choice(NEUTRAL, size=rng.integers(4, MAX_LENGTH - 2 * opinions)))
        score = 0
        for _ in range(opinions):
            positive = rng.random() < 0.5
            phrase = [rng.choice(POSITIVE if positive else NEGATIVE)]
            if rng.random() < 0.2:  # "not" turns the opinion around
                phrase, positive = ["not", *phrase], not positive
            score += 1 if positive else -1
            position = rng.integers(0, len(words) + 1)
            words[position:position] = phrase
        reviews.append(words)
        labels.append(int(score > 0))
    return reviews, np.array(labels)


def to_indices(reviews):
    """Each review as the indices of its words, padded with 0 at the end: (count, MAX_LENGTH)."""
    index = {word: i for i, word in enumerate(VOCABULARY)}
    sequences = np.zeros((len(reviews), MAX_LENGTH), dtype="int32")
    for row, words in enumerate(reviews):
        sequences[row, :len(words)] = [index[word] for word in words]
    return sequences


def build_model(kind="average"):
    """Word indices -> 16-number vectors -> one vector per review -> P(positive).

    kind: "average" (the mean of the words' vectors) or "convolution" (32
        detectors of three-word patterns, each keeping its strongest match).
    """
    if kind == "average":
        reader = [layers.Embedding(len(VOCABULARY), 16, mask_zero=True),
                  layers.GlobalAveragePooling1D()]
    else:  # Conv1D does not use masks (as in Keras): the padding is just one more word
        reader = [layers.Embedding(len(VOCABULARY), 16),
                  layers.Conv1D(32, 3, padding="same", activation="relu"),
                  layers.GlobalMaxPooling1D()]
    return keras.Sequential([
        keras.Input(shape=(MAX_LENGTH,), dtype="int32"),
        *reader,
        layers.Dense(16, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ], name=f"review_sentiment_{kind}")


def main(argv=None):
    model_choice = ("--model", {"choices": ("average", "convolution"), "default": "average",
                                "help": "how the model reads a review (see above)"})
    args = common.parse_args(__file__, __doc__, epochs=20, batch_size=32, argv=argv,
                             mnist=False, learning_rate=0.01, options=[model_choice])
    common.select_backend(args)
    rng = np.random.default_rng(args.seed)
    train_reviews, y_train = make_reviews(4000, rng)
    test_reviews, y_test = make_reviews(1000, rng)
    x_train, x_test = to_indices(train_reviews), to_indices(test_reviews)
    print("a review:", " ".join(train_reviews[0]), f"-> label {y_train[0]}")
    print("as indices:", x_train[0].tolist())

    model = build_model(args.model)
    model.summary()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=args.learning_rate),
                  loss="binary_crossentropy", metrics=["accuracy"])
    history = common.fit(model, x_train, y_train, args, validation_split=0.1)

    probabilities = model.predict(x_test[:5], verbose=0)[:, 0]
    for words, label, probability in zip(test_reviews, y_test, probabilities, strict=False):
        print(f"{' '.join(words)!r}: label {label}, predicted P(positive) = {probability:.2f}")
    common.finish(model, history, x_test, y_test, args, images=False)


if __name__ == "__main__":
    main()
