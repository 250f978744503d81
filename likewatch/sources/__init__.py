"""Platform adapters. Each reads audience counts and turns every failure into a typed error."""
