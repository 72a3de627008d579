"""The language: program text through an allowlist (language), pure programs as graphs
(program), and the functions programs may call (functions)."""
