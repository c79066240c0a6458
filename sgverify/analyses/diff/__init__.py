"""diff: the exact semantic difference between two policies, box by box, with replayed
witnesses."""
