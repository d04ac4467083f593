"""Words a person reads: the message catalogues in each language, their rendering, one-line errors."""
