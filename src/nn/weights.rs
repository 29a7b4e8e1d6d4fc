//! Weights files (safetensors).
