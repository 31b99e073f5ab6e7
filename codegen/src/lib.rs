//! Spec → model → emitters.
