"""The live account and what people paste from it: `verify` and `explain`."""
