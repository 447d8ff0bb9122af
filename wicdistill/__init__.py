"""wicdistill: word-in-context meaning vectors distilled from a frozen encoder.

Importing the package registers the ``wicdistill`` model type with ``AutoConfig``/``AutoModel``
and the ``word-in-context`` pipeline task.
"""

from transformers import AutoConfig, AutoModel
from transformers.pipelines import PIPELINE_REGISTRY

from .configuration_wicdistill import WicDistillConfig, upper_half_layers
from .loss_wicdistill import distillation_loss
from .modeling_wicdistill import WicDistillModel, WicDistillOutput
from .pipeline_wicdistill import TASK as PIPELINE_TASK
from .pipeline_wicdistill import WordInContextPipeline
from .targets_wicdistill import Target, collate_sentences, normalize_target, pool_targets, tokenize_targets

__version__ = "0.1.0"

AutoConfig.register(WicDistillConfig.model_type, WicDistillConfig, exist_ok=True)
AutoModel.register(WicDistillConfig, WicDistillModel, exist_ok=True)
PIPELINE_REGISTRY.register_pipeline(
    PIPELINE_TASK, pipeline_class=WordInContextPipeline, pt_model=AutoModel, type="text"
)

__all__ = [
    "Target",
    "WicDistillConfig",
    "WicDistillModel",
    "WicDistillOutput",
    "WordInContextPipeline",
    "collate_sentences",
    "distillation_loss",
    "normalize_target",
    "pool_targets",
    "tokenize_targets",
    "upper_half_layers",
]
