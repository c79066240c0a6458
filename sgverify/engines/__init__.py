"""The decision engines over the model: Z3 encodings (z3), exact box decompositions (boxes) and
service/address atoms for reachability (atoms); they do not import one another."""
