"""audit: the built-in and custom controls checked on every group and interface of an
inventory."""
