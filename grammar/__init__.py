"""Grammar files of the sgverify rule language, shipped as package data (``sgverify.grammar``)."""
