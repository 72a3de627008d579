"""The engine: tensors that remember how they were made, the op table, differentiation
(reverse, forward, Jacobians, Hessians, sparsity) and the array backend. No CLI, no I/O."""
