"""What a scrub is turned into for people: balancing EMR against billing, the explanation of one
visit, and the results of rule tests. Reports read the model and the engine's output (or a tracer
of its run); they never decide on their own what a rule did."""

__all__: list[str] = []
