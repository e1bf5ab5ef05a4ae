//! Apache Velocity 1.7 (VTL) template engine: compile once, render many, byte for byte as Velocity.
