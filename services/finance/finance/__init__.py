"""Finance service: the financing project pool and transformation projects (投融资项目库)."""
