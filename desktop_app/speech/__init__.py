"""Speech: audio loading and log-mel features, the synthetic corpus, recognition (Qt-free)."""
