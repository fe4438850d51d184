"""Korean evaluation: tasks (KorQuAD, KLUE-NLI, KLUE-STS, JSON to-dos), a runner, reports."""
