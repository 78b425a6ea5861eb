"""Installing models that Attend did not train: fetching published checkpoints and converting them (no Qt)."""
