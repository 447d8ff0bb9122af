"""Example inputs shipped with every card: the widget's sentences and the figure's sample targets."""

from __future__ import annotations

WIDGET_SOURCE = "He sat on the [[bank]] of the river and watched the water."
WIDGET_SENTENCES = (
    "The boat drifted slowly towards the muddy [[bank]].",
    "She opened a savings account at the [[bank]] near her office.",
)

FIGURE_SENTENCES = (
    "He sat on the [[bank]] of the river and watched the water.",
    "She opened a savings account at the [[bank]] near her office.",
    "The [[plant]] in the corner needs water every second day.",
    "The power [[plant]] was closed after the accident.",
    "They went to see a [[play]] at the theatre on Friday.",
    "The children [[play]] football in the park after school.",
    "A [[bat]] flew out of the cave at dusk.",
    "He swung the [[bat]] and hit the ball over the fence.",
    "Please [[book]] a table for four people tonight.",
    "She read the whole [[book]] in a single afternoon.",
    "The [[light]] in the kitchen is still on.",
    "The suitcase was surprisingly [[light]] for its size.",
    "The [[match]] ended in a draw after extra time.",
    "He struck a [[match]] to light the candle.",
    "The [[spring]] in the old mattress was broken.",
    "The garden is full of flowers every [[spring]].",
)
