"""The report sections: one module per template of ``notebooks/``, named after it,
holding what that template displays and nothing else."""
