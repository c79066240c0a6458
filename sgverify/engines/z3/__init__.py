"""Z3: the encoding of decisions and flow sets, the solver with its preferences, and decoding
models into flows."""
