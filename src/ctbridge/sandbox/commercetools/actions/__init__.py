"""Resource kinds: how each resource type is created and which update actions it accepts."""
