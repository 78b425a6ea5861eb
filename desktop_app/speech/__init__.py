"""Speech at run time: audio loading and log-mel features, recognition (Qt-free; the corpus builder is in training/)."""
