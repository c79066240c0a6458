"""reach: who can reach whom across an inventory, on which services, with witnesses."""
