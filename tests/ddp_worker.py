"""Run by test_training under torchrun: one epoch of the tiny config, then each rank saves its weights."""

import sys
from pathlib import Path

from safetensors.torch import save_file

from desktop_app.seq2seq.model_folder import unique_state_dict
from desktop_app.training.config import load_train_config, to_dict
from desktop_app.training.mt_task import TranslationTask
from desktop_app.training.trainer import Trainer

config_path, out, data_root = sys.argv[1:4]
config = load_train_config(config_path)
task = TranslationTask(config, data_root=data_root, log=lambda message: None)
trainer = Trainer(task, config.training, to_dict(config), Path(out), log=lambda message: None)
trainer.prepare()


def save(name):
    tensors = {k: v.detach().clone().contiguous() for k, v in unique_state_dict(trainer.model).items()}
    save_file(tensors, str(Path(out) / f"{name}-{trainer.dist.rank}.safetensors"))


save("initial")
trainer.train_epoch()
save("rank")
