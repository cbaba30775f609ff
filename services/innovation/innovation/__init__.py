"""The innovation service (创新载体与共享设施): shared facilities and the incubation ladder."""
