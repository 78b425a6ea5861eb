"""Training and evaluation of translation models (Qt-free; runs on CPU, CUDA and under torchrun)."""
