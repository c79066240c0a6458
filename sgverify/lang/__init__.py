"""The .sgv language: parser, syntax tree, builder, includes, name resolution into the model,
and the printer."""
